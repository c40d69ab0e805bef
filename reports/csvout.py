"""findings.csv: one row per finding, readable by pandas.read_csv with no options."""
from __future__ import annotations

import csv
import io
import re

from audit.printable import printable

COLUMNS = ["article_id", "kind", "severity", "claim_id", "reference_id", "pmid", "message", "claim_text",
           "problem", "decision", "decision_note"]
# Spreadsheets run a cell that starts with these as a formula (OWASP CSV injection list);
# article text can start with any of them ("-1+1+cmd|' /C calc'!A0", "-2+HYPERLINK(...)").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-5", "+3.2", "1e-3", "-12%") is not a formula: it stays a number.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def _cell(value) -> str:
    if value is None:
        return ""
    s = printable(str(value))       # ESC, BEL...: shown as \x1b, never sent to a terminal
    if s.startswith(_FORMULA_START) and not _NUMBER.fullmatch(s):
        return "'" + s          # the apostrophe makes the spreadsheet show the text as text
    return s


def findings_csv(rows: list[dict], with_status: bool = False) -> str:
    cols = COLUMNS + (["status"] if with_status else [])
    buf = io.StringIO()
    # QUOTE_ALL: messages hold commas, quotes and newlines from the article.
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()
