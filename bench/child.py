"""Run one command and report its wall time and peak memory as one JSON line on standard output.

    python bench/child.py LOG -- COMMAND [ARG...]

The benchmark starts this tiny wrapper for every measured process, so that ``getrusage(RUSAGE_CHILDREN)``
here covers that one command (and the processes it waited for) and nothing else: peak RSS and CPU time.
The wall time is taken with ``time.perf_counter`` around the process, start to exit. The command's output
goes to LOG.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: child.py LOG -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    log, command = argv[0], argv[2:]
    with open(log, "wb") as out:
        start = time.perf_counter()
        try:
            code = subprocess.call(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        except OSError as exc:
            out.write(f"cannot run {command[0]}: {exc}\n".encode())
            code = 127
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss is in KiB on Linux: the peak resident set of the largest process waited for (not a sum)
    cpu = usage.ru_utime + usage.ru_stime  # CPU seconds of the whole tree: more than the wall time = parallel
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "maxrss_kib": usage.ru_maxrss, "returncode": code}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
