"""``python tests/guarded_cli.py <citeaudit arguments>``: citeaudit with tests/offline_guard.py installed, so
a process the tests start cannot reach beyond this machine either (refusals go to $CITEAUDIT_GUARD_LOG)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import offline_guard  # noqa: E402

offline_guard.install()

from audit import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
