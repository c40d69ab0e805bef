"""WordprocessingML: its namespace, and what a paragraph is by the document's styles and numbering
(a heading and its level, a list item, a numbered one)."""
from __future__ import annotations

import re

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paragraph_styles(root) -> dict[str, tuple[str, int]]:
    """styleId -> (kind, heading level) from styles.xml names ("heading 2", "Title", "List ...");
    ``root``: word/styles.xml, or None."""
    out: dict[str, tuple[str, int]] = {}
    if root is None:
        return out
    for st in root.iter(W + "style"):
        sid = st.get(W + "styleId") or ""
        name_el = st.find(W + "name")
        name = (name_el.get(W + "val") if name_el is not None else sid or "").lower()
        m = re.match(r"heading\s*(\d)", name)
        if m:
            out[sid] = ("heading", int(m.group(1)) + 1)
        elif name in ("title",):
            out[sid] = ("heading", 1)
        elif name.startswith("list"):
            out[sid] = ("item", 0)
    return out

def number_formats(root) -> dict[tuple[str, str], str]:
    """(numId, ilvl) -> number format ("decimal", "bullet", ...); ``root``: word/numbering.xml, or None."""
    if root is None:
        return {}
    abstract = {}
    for an in root.iter(W + "abstractNum"):
        for lvl in an.iter(W + "lvl"):
            fmt = lvl.find(W + "numFmt")
            abstract[(an.get(W + "abstractNumId"), lvl.get(W + "ilvl"))] = \
                fmt.get(W + "val") if fmt is not None else ""
    out = {}
    for num in root.iter(W + "num"):
        aid = num.find(W + "abstractNumId")
        if aid is None:
            continue
        for (a, lvl), fmt in abstract.items():
            if a == aid.get(W + "val"):
                out[(num.get(W + "numId"), lvl)] = fmt
    return out
