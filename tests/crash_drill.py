"""``python tests/crash_drill.py N <citeaudit arguments>``: run citeaudit and SIGKILL the process once
N articles are committed to the history, as a power cut would (no cleanup runs).

A test tool, kept out of the product: it wraps the history's one commit of finished articles.
"""
from __future__ import annotations

import os
import signal
import sys

from audit import cli
from audit.history import History


def main() -> int:
    after, argv = int(sys.argv[1]), sys.argv[2:]
    committed = 0
    record = History.record_articles

    def record_then_maybe_die(self, run_id, results):
        nonlocal committed
        record(self, run_id, results)
        committed += len(results)
        if committed >= after:
            os.kill(os.getpid(), signal.SIGKILL)

    History.record_articles = record_then_maybe_die
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
