"""Run the briefgen command in this process and write its own peak RSS to a file when it exits.

    python bench/client_rss.py OUT -- batch people.csv ...

``bench/child.py`` reports the largest process of a command's tree: for ``briefgen batch`` that is a
rendering worker. The batch targets are about the client (which keeps the log, writes and mails), so this
wrapper records ``getrusage(RUSAGE_SELF)`` of the client alone, in KiB. Workers forked from it leave
through ``os._exit`` and do not run the exit handler.
"""

from __future__ import annotations

import atexit
import resource
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: client_rss.py OUT -- ARG...", file=sys.stderr)
        sys.exit(2)
    out = Path(argv[0])

    def record() -> None:
        out.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), encoding="utf-8")

    atexit.register(record)
    sys.argv = ["briefgen", *argv[2:]]
    from briefgen.cli import main as briefgen

    briefgen()


if __name__ == "__main__":
    main(sys.argv[1:])
