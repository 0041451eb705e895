"""``briefgen serve``: a live preview of one edition in the browser, rebuilt in a warm process on every save.

``preview`` keeps the edition rendered in memory and rebuilds it when a watched file changes; ``server`` is
the loopback HTTP server that shows it; ``command`` is the click command, registered by the last line of
cli.py. Heavy libraries (watchfiles, WeasyPrint) are imported only when the server starts or the PDF is asked
for, so ``briefgen --help`` does not pay for them.
"""
