"""``python -m audit.cli``: the ``citeaudit`` command."""
import sys

from audit.cli import main

sys.exit(main())
