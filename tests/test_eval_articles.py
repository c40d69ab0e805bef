"""``citeaudit eval articles``: the labelled article set audited as a user would, scored by its own checker."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import DATA, ROOT

LINE = re.compile(r"offtopic_precision=(\S+) offtopic_recall=(\S+) clean_false_alarm=(\S+) "
                  r"other_recall=(\S+) expectations_met=(\d+)/(\d+)$")

# What the build met at the end of the round that added this command (200 when it was added); a change that loses whole-article accuracy
# fails here, not months later on a reviewer's desk.
FLOOR_MET = 247


def test_eval_articles_ends_with_the_checkers_line(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "eval", "articles", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    m = LINE.match(lines[-1])
    assert m, lines[-1]
    cited = sum(len(a["citations"]) for a in json.loads((DATA / "articles" / "expectations.json").read_text()))
    assert int(m.group(6)) == cited
    assert int(m.group(5)) >= FLOOR_MET
    # the per-article results come before the figures, and the reports stay where --out said
    assert any(l.startswith("cataract-surgery-outcomes.md") for l in lines)
    assert len(list(out.glob("articles/*/report.json"))) == 27


def test_eval_articles_heldout_set_is_scored_with_its_own_expectations(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "eval", "articles", "--set", "heldout", "--quiet",
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = LINE.match(proc.stdout.strip().splitlines()[-1])
    assert m, proc.stdout[-500:]
    cited = sum(len(a["citations"]) for a in json.loads(
        (ROOT / "bench" / "data" / "heldout_articles" / "expectations.json").read_text()))
    assert int(m.group(6)) == cited == 29
    assert len(list((tmp_path / "out").glob("articles/*/report.json"))) == 3
