"""Text that is safe to print: control characters shown, never sent to a terminal.

An article, a DOI or a file name can hold ESC, BEL or a C1 control (U+009B is
a one-character CSI): a terminal that prints ``findings.csv`` or an error line
would run them as commands (move the cursor, rewrite the screen, set the
title).  Every CSV and text output goes through ``printable``; JSON escapes the
C0 controls itself and gets the C1 controls escaped by ``json_controls``.
"""
from __future__ import annotations

import re

# C0 controls but tab, newline and carriage return (a CSV cell may hold lines), DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x80-\x9f]")


def _escape(m: re.Match) -> str:
    return f"\\x{ord(m.group(0)):02x}"


def printable(text: str) -> str:
    """``text`` with each control character written as ``\\xNN`` (ESC -> ``\\x1b``)."""
    return _CONTROL.sub(_escape, text)


def json_controls(text: str) -> str:
    """JSON text with the C1 controls ``json.dumps(ensure_ascii=False)`` leaves raw written ``\\u00NN``."""
    return _C1.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
