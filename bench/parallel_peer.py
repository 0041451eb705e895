"""A trivially parallel CPU job: the most any ``-j N`` can gain on this machine, right now.

    python bench/parallel_peer.py JOBS

Eight equal pure-Python work units, run by JOBS forked workers. The benchmark runs it at -j 1 and -j N
beside ``briefgen build --all``: on a quiet 2-core machine the speed-up is close to 2×; when other processes
share the cores, it shows how much of a low ``--all -j N`` speed-up is the machine's doing.
"""

from __future__ import annotations

import multiprocessing
import sys

UNITS = 8
ITERATIONS = 4_000_000  # about a quarter of a second of one core each


def unit(_: int) -> int:
    total = 0
    for i in range(ITERATIONS):
        total += i * i
    return total


def main(argv: list[str]) -> int:
    jobs = int(argv[0]) if argv else 1
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(unit, range(UNITS), chunksize=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
