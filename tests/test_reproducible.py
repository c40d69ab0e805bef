"""The same input, records and settings give the same report files, byte for byte.

Each audit runs in its own process with its own hash seed: Python orders sets
of strings by a per-process seed, so anything that lists a set (MeSH topics
with equal weights, say) without sorting shows up here as a difference.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _audit(root: Path, out: Path, seed: int, paths: list[Path], records: list[Path]) -> None:
    env = dict(os.environ, PYTHONHASHSEED=str(seed), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "audit.cli", "audit", *map(str, paths), "--out", str(out),
           "--offline-records", *map(str, records)]
    subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, timeout=600)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_three_identical_audits_give_identical_files(root_dir, shared_dir, tmp_path):
    paths = [root_dir / "examples" / "articles", shared_dir / "seeds" / "ileal-net-answer.txt"]
    records = [root_dir / "examples" / "records"]
    outs = []
    for seed in (1, 2, 3):
        out = tmp_path / f"run{seed}"
        _audit(root_dir, out, seed, paths, records)
        outs.append(_files(out))
    first = outs[0]
    names = {"findings.csv", "index.html", "run.json"}
    for aid in ("nsclc-targeted-therapy", "colorectal-cancer-genetics", "ileal-net-answer"):
        names |= {f"articles/{aid}/{n}" for n in ("report.json", "report.html", "findings.csv")}
    assert names <= set(first)
    for other in outs[1:]:
        assert set(other) == set(first)
        differ = sorted(n for n in first if first[n] != other[n])
        assert differ == [], f"files differ between identical audits: {differ}"
