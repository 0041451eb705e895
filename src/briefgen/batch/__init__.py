"""Distribution at scale: a personalized, marked copy of the briefing for every recipient, mailed once.

``recipients`` reads the recipients file; ``journal`` keeps the distribution log that makes a batch
idempotent; ``run`` builds the copies on an executor (``briefgen.executors``) and delivers them; ``command``
is the ``briefgen batch`` command. See docs/batch.md.
"""
