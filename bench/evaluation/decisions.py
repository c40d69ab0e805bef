"""``citeaudit eval decisions``: how often each finding kind was right, by the reviewers' decisions.

Precision of a kind = confirmed / (confirmed + dismissed as a false alarm),
over every decision kept in the history (``citeaudit review``).  A team sees
which kinds to trust; nothing is assumed about kinds nobody reviewed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from audit.review.decisions import CONFIRMED, DISMISSED


def precision_by_kind(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in rows:
        k = out.setdefault(r["kind"], {CONFIRMED: 0, DISMISSED: 0})
        if r["decision"] in k:
            k[r["decision"]] += 1
    for k in out.values():
        n = k[CONFIRMED] + k[DISMISSED]
        k["precision"] = round(k[CONFIRMED] / n, 3) if n else None
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    from audit.config import load_config
    from audit.errors import BadInputError
    from audit.history import History

    ap = argparse.ArgumentParser(prog="citeaudit eval decisions", description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config.yaml")
    args = ap.parse_args(argv)
    cfg = load_config(str(Path(args.config).resolve()))
    if not Path(cfg.output.history_db).is_file():
        raise BadInputError(cfg.output.history_db, "no history yet (run citeaudit nightly first)")
    with History(cfg.output.history_db) as h:
        rows = h.decisions()
    table = precision_by_kind(rows)
    print(f"{'kind':28} {'confirmed':>9} {'dismissed':>9} {'precision':>9}")
    for kind, k in table.items():
        p = "-" if k["precision"] is None else f"{k['precision']:.3f}"
        print(f"{kind:28} {k[CONFIRMED]:9d} {k[DISMISSED]:9d} {p:>9}")
    decided = sum(k[CONFIRMED] + k[DISMISSED] for k in table.values())
    overall = sum(k[CONFIRMED] for k in table.values()) / decided if decided else 0.0
    print(" ".join([f"decisions={decided}", f"kinds={len(table)}", f"precision_all={overall:.3f}"] +
                   [f"precision_{kind}={k['precision']:.3f}" for kind, k in table.items() if k["precision"] is not None]))
    return 0
