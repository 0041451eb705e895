"""Warm builds: a briefgen process that stays running for a project and builds for ``briefgen build``.

A cold build pays, every time, for starting Python, importing WeasyPrint, Jinja, Babel and pydantic, and for
reading and validating the project. A warm process has paid once: ``briefgen build`` finds it through a
socket, sends it the build's options, and prints what it answers; the process builds exactly as a cold build
would (the same code, the same files written the same way, byte for byte), keeping only what cannot change
the result while its inputs stay the same:

- the validated project, for as long as the digest of the files it was read from is unchanged;
- WeasyPrint's font configuration (fontconfig and Pango's font map), renewed after any document that
  brings fonts of its own (``@font-face``);
- the imported libraries.

It answers only its own user and its own project: the socket lives in a folder only that user can enter
(``$XDG_RUNTIME_DIR/briefgen``, else ``/tmp/briefgen-UID``, checked to be theirs and private), is readable
and writable by that user only, and both ends check the other's user id (``SO_PEERCRED``). It refuses a build
whose briefgen code, environment or installed fonts differ from its own (it exits and the build runs cold),
and it exits by itself after ``BRIEFGEN_WARM_IDLE`` seconds without a build (default 600).

``briefgen build`` starts one on demand, after a cold build, when ``BRIEFGEN_WARM`` says so: ``auto`` (the
default: when standard error is a terminal and ``CI`` is not set), ``on`` or ``off`` (never start one, never
use one). ``briefgen warm`` starts, shows and stops it; ``briefgen serve`` answers builds the same way.
"""
