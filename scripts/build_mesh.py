"""Build audit/scoring/data/mesh2024.tsv.gz from NLM's MeSH 2024 (R data files in shared/data/mesh).

    python scripts/build_mesh.py [--data ../shared/data] [--out audit/scoring/data/mesh2024.tsv.gz]

Needs ``pyreadr`` (the ``build`` extra).  The output holds every descriptor with
its tree numbers, and every entry term as a normalised look-up key
(``audit.scoring.mesh.term_key``, the same function that reads the text):
inverted terms ("Neoplasms, Colonic") are also stored in reading order
("colonic neoplasms"); acronyms ("AIDS", "COPD") go to a separate table that
is matched case-sensitively.  Very long chemical names are left out: they
never occur in a claim as written.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.scoring.mesh import MAX_TERM_TOKENS, term_key  # noqa: E402

YEAR = 2024


def _reading_orders(term: str) -> list[str]:
    """The term as listed, and in reading order when MeSH inverts it ("Leukemia, Myeloid, Acute")."""
    term = re.sub(r"\s*\([^)]*\)", "", term).strip()
    out = [term]
    if "," in term:
        parts = [p.strip() for p in term.split(",") if p.strip()]
        out.append(" ".join(reversed(parts)))
    return out


def _is_acronym(term: str, tag: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", term)
    return bool(letters) and (tag in ("ABB", "ACR") or (letters.isupper() and len(letters) <= 6))


_GLOSSED = re.compile(r"([A-Za-z0-9-]{2,10}) \(([^()]+)\)")


def _glossed_acronym(term: str) -> str:
    """ "DOES (Disorders of Excessive Somnolence)" -> "DOES": an acronym MeSH lists with its expansion.

    Read as an ordinary term it would be the word "does" (and "TBIs" the word "tbi"); it belongs with the
    acronyms, matched as written."""
    m = _GLOSSED.fullmatch(term.strip())
    if not m:
        return ""
    head = m.group(1)
    letters = re.sub(r"[^A-Za-z]", "", head[:-1] if head.endswith("s") else head)
    return head if letters and letters.isupper() else ""


def build(data_dir: Path) -> dict:
    import pyreadr
    thes = next(iter(pyreadr.read_r(str(data_dir / "mesh" / "mesh2024_thesaurus.rds")).values()))
    trees = next(iter(pyreadr.read_r(str(data_dir / "mesh" / "mesh2024_trees.rds")).values()))
    tree_map: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for ui, name, loc in zip(trees.DescriptorUI, trees.DescriptorName, trees.tree_location):
        tree_map.setdefault(ui, []).append(loc)
        names[ui] = name
    for ui, name in zip(thes.DescriptorUI, thes.DescriptorName):
        names.setdefault(ui, name)
    # The trees file lists no row for the top of each branch ("C04" Neoplasms, "C11" Eye Diseases); its
    # columns tree1/mesh1 name them, so those descriptors get their tree number from there.
    top = {name: code for code, name in zip(trees.tree1, trees.mesh1)}
    for ui, name in names.items():
        if ui not in tree_map and name in top:
            tree_map[ui] = [top[name]]
    # Several descriptors may share a term: the one whose preferred term it is wins, then a concept's
    # preferred term, then a term as listed over a permuted one.
    rank: dict[str, tuple[int, str]] = {}
    exact: dict[str, tuple[int, str]] = {}
    cols = zip(thes.DescriptorUI, thes.TermName, thes.LexicalTag, thes.RecordPreferredTermYN,
               thes.ConceptPreferredTermYN, thes.IsPermutedTermYN)
    for ui, term, tag, rec_pref, con_pref, permuted in cols:
        r = (0 if rec_pref == "Y" else 1 if con_pref == "Y" else 2) + (1 if permuted == "Y" else 0)
        glossed = _glossed_acronym(term)
        if glossed or _is_acronym(term, tag):
            t = glossed or term.strip()
            if t not in exact or r < exact[t][0]:
                exact[t] = (r, ui)
            continue
        if len(term) > 60:
            continue
        for form in _reading_orders(term):
            key = term_key(form)
            if not key or key.count(" ") >= MAX_TERM_TOKENS or (len(key) <= 2):
                continue
            if key not in rank or r < rank[key][0]:
                rank[key] = (r, ui)
    return {
        "year": YEAR,
        "source": "NLM Medical Subject Headings (MeSH) 2024: desc2024 and mtrees2024, via "
                  "jaytimm/mesh-resources data_mesh_thesaurus.rds and data_mesh_trees.rds",
        "descriptors": {ui: [names[ui], "|".join(sorted(tree_map.get(ui, [])))] for ui in sorted(names)},
        "terms": {k: v[1] for k, v in sorted(rank.items())},
        "exact": {k: v[1] for k, v in sorted(exact.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "audit" / "scoring" / "data" / f"mesh{YEAR}.tsv.gz"))
    args = ap.parse_args(argv)
    data = build(Path(args.data))
    # Tab-separated sections, not one JSON object: splitting lines loads about three times faster than
    # json.loads, and the file is read by every process that scores.
    header = {k: data[k] for k in ("year", "source")}
    out = [json.dumps(header, sort_keys=True), "#descriptors"]
    out += [f"{ui}\t{name}\t{trees}" for ui, (name, trees) in data["descriptors"].items()]
    out.append("#terms")
    out += [f"{k}\t{v}" for k, v in data["terms"].items()]
    out.append("#exact")
    out += [f"{k}\t{v}" for k, v in data["exact"].items()]
    assert not any("\t" in k or "\n" in k for k in list(data["terms"]) + list(data["exact"]))
    raw = ("\n".join(out) + "\n").encode("utf-8")
    # mtime=0: the same vocabulary gives the same bytes, so the code key changes only with the content.
    with open(args.out, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
            g.write(raw)
    print(f"descriptors={len(data['descriptors'])} terms={len(data['terms'])} acronyms={len(data['exact'])} "
          f"bytes={Path(args.out).stat().st_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
