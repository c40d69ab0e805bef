"""Repeated measurements reported as median with their spread, never the best of several."""
from __future__ import annotations

import statistics
from typing import Sequence


def spread(values: Sequence[float]) -> dict:
    """median, min, max and n of ``values``."""
    vals = list(values)
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def fmt(values: Sequence[float], unit: str = "", digits: int = 3) -> str:
    """'0.512 s (min 0.498, max 0.530, n=5)'."""
    s = spread(values)
    u = f" {unit}" if unit else ""
    return f"{s['median']:.{digits}f}{u} (min {s['min']:.{digits}f}, max {s['max']:.{digits}f}, n={s['n']})"


def kv(**fields) -> str:
    """The one ``key=value ...`` line a benchmark ends with."""
    out = []
    for k, v in fields.items():
        if isinstance(v, float):
            v = f"{v:.0f}" if abs(v) >= 1e4 else f"{v:.4g}"
        out.append(f"{k}={v}")
    return " ".join(out)
