"""What a command's failure looks like to its user: one line on stderr and an exit code.

The errors a user must fix (bad input, a busy history, a full disk) are not bugs, so they print
``citeaudit: <what>`` and no traceback; ``--debug`` brings the traceback back.
"""
from __future__ import annotations

import functools
import sqlite3
import sys

from audit.errors import BadInputError
from audit.locks import BusyError
from audit.printable import printable

EXIT_OK = 0
EXIT_USER = 2        # bad input, config, paths; a usage error
EXIT_DEGRADED = 3    # the run finished, but NCBI could not be asked about some references
EXIT_BUSY = 75       # EX_TEMPFAIL: another run holds the history; try again later
EXIT_INTERRUPTED = 130


def one_line(exc: BaseException) -> str:
    return printable(" ".join(str(exc).split())) or type(exc).__name__


def say(text: str, code: int) -> int:
    print(f"citeaudit: {text}", file=sys.stderr)
    return code


def one_line_errors(command):
    """Wrap a command's callback (which takes ``debug``) so the errors a user must fix end in one line."""
    @functools.wraps(command)
    def run(*args, debug: bool = False, **kwargs) -> int:
        try:
            return command(*args, **kwargs)
        except BusyError as exc:
            if debug:
                raise
            return say(one_line(exc), EXIT_BUSY)
        except BadInputError as exc:
            if debug:
                raise
            return say(one_line(exc), EXIT_USER)
        except OSError as exc:
            # A folder we may not write, a disk full: the user's to fix, with the path the OS names.
            if debug:
                raise
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            return say(f"{where}{exc.strerror or one_line(exc)}", EXIT_USER)
        except sqlite3.Error as exc:
            # The history or a cache could not be written (a full disk): SQLite kept the file consistent.
            if debug:
                raise
            return say(f"a history or cache database could not be written: {one_line(exc)}", EXIT_USER)
        except KeyboardInterrupt:
            return say("interrupted", EXIT_INTERRUPTED)
    return run
