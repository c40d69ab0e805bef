"""findings.csv: one row per finding, readable by pandas.read_csv with no options."""
from __future__ import annotations

import csv
import io

COLUMNS = ["article_id", "kind", "severity", "claim_id", "reference_id", "pmid", "message", "claim_text"]
# Spreadsheets run a cell that starts with these as a formula; article text can.
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    s = str(value)
    # A leading "-" is a formula too, but "-5%" or "- item" is ordinary text.
    if s.startswith(_FORMULA_START) or (s.startswith("-") and len(s) > 1 and not (s[1].isdigit() or s[1].isspace())):
        return "'" + s
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
