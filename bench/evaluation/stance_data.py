"""Claim–source pairs with stance labels, from the public data in shared/data.

Every pair is one claim against one source given as a list of sentences, with a label among
SUPPORT / CONTRADICT / NEI (SciFact) or ACCURATE / NOT_ACCURATE / IRRELEVANT (Citation-Integrity).

* SciFact: one pair per claim and cited abstract.  An abstract with rationales carries their label
  (no claim mixes SUPPORT and CONTRADICT); a cited abstract without rationales is NEI.  Sentences are
  the release's own sentence lists (from the Hugging Face CSV export, bench/evaluation/evaluate.py),
  so the gold rationale indices point into them.
* HealthVer (Sarrouti et al. 2021): COVID-19 health claims against a passage of a paper; Supports /
  Refutes / Neutral map to SUPPORT / CONTRADICT / NEI.  Only dev and test are in shared/data (train is
  missing from the snapshot), so it is reported on, never trained on.
* Citation-Integrity (Sarol et al. 2024): one pair per citing sentence and its cited paper.  Claims
  whose ``evidence`` is empty are the paper's IRRELEVANT class: the annotators found no sentence of
  the cited paper that bears on the citation, which is how the paper defines IRRELEVANT (its
  MultiVerS format maps IRRELEVANT to an empty evidence set); the source is then ``cited_doc_ids[0]``.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.evaluation.evaluate import _parse_sentences

SCIFACT_LABELS = ("SUPPORT", "CONTRADICT", "NEI")
CI_LABELS = ("ACCURATE", "NOT_ACCURATE", "IRRELEVANT")
_MARKER = re.compile(r"\[?\(?<\|[a-z_]+\|>\)?\]?")


@dataclass
class LabelledPair:
    claim_id: int
    claim: str
    doc_id: int
    sentences: list[str]
    label: str
    rationales: list[int] = field(default_factory=list)


def _jsonl(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{n}: not a JSON line ({exc.msg})") from None
    return out


def scifact_sentences(data_dir: Path) -> dict[int, list[str]]:
    zpath = data_dir / "scifact" / "third_party" / "scifact_hf_export_csv.zip"
    with zipfile.ZipFile(zpath) as z:
        name = next(n for n in z.namelist() if n.endswith("corpus_train.csv"))
        text = z.read(name).decode("utf-8")
    csv.field_size_limit(10**8)
    return {int(r["doc_id"]): _parse_sentences(r["abstract"]) for r in csv.DictReader(io.StringIO(text))}


def scifact_pairs(data_dir: Path, split: str, corpus: dict[int, list[str]] | None = None) -> list[LabelledPair]:
    corpus = corpus if corpus is not None else scifact_sentences(data_dir)
    path = data_dir / "scifact" / f"claims_{split}.jsonl"
    out = []
    for d in _jsonl(path):
        ev = d.get("evidence") or {}
        for doc in d.get("cited_doc_ids") or []:
            sents = corpus.get(int(doc))
            if not sents:
                raise SystemExit(f"{path}: claim {d['id']} cites doc {doc}, which the SciFact corpus lacks")
            rats = ev.get(str(doc)) or []
            label = rats[0]["label"] if rats else "NEI"
            out.append(LabelledPair(int(d["id"]), d["claim"], int(doc), sents, label,
                                    sorted({i for r in rats for i in r["sentences"]})))
    return out


def clean_citing_sentence(text: str) -> str:
    """A citing sentence without the dataset's citation markers (<|cit|>, <|multi_cit|>, <|other_cit|>)."""
    return " ".join(_MARKER.sub(" ", text).split())


def citation_integrity_pairs(data_dir: Path, split: str) -> list[LabelledPair]:
    base = data_dir / "claims" / "citation_integrity"
    docs = {int(d["doc_id"]): list(d.get("abstract") or []) for d in _jsonl(base / "corpus.jsonl")}
    path = base / f"claims_{split}.jsonl"
    out = []
    for d in _jsonl(path):
        ev = d.get("evidence") or {}
        if ev:
            doc = next(iter(ev))
            label = ev[doc][0]["label"]
            rats = sorted({i for r in ev[doc] for i in r["sentences"]})
        else:
            cited = d.get("cited_doc_ids") or []
            if not cited:
                raise SystemExit(f"{path}: claim {d['id']} has neither evidence nor a cited doc")
            doc, label, rats = cited[0], "IRRELEVANT", []
        sents = docs.get(int(doc))
        if not sents:
            raise SystemExit(f"{path}: claim {d['id']} cites doc {doc}, which corpus.jsonl lacks")
        out.append(LabelledPair(int(d["id"]), clean_citing_sentence(d["claim"]), int(doc), sents, label, rats))
    return out


def covidfact_pairs(data_dir: Path) -> list[LabelledPair]:
    """COVID-Fact claims with their evidence sentences as the source (training only).  Ids are negative
    (-1 - line index) so they never collide with SciFact claim or doc ids."""
    path = data_dir / "claims" / "covidfact" / "COVIDFACT_dataset.jsonl"
    to = {"SUPPORTED": "SUPPORT", "REFUTED": "CONTRADICT"}
    out = []
    for n, d in enumerate(_jsonl(path)):
        if d.get("label") not in to:
            raise SystemExit(f"{path}: line {n + 1} has label {d.get('label')!r}, not SUPPORTED/REFUTED")
        sents = [s for s in d.get("evidence") or [] if s.strip()]
        if sents:
            out.append(LabelledPair(-1 - n, d["claim"], -1 - n, sents, to[d["label"]]))
    return out


def healthver_pairs(data_dir: Path, split: str) -> list[LabelledPair]:
    """HealthVer claim–passage pairs (report only); the passage split into sentences like an abstract."""
    from audit.scoring.semantic import split_sentences
    path = data_dir / "claims" / "healthver" / f"healthver_{split}.csv"
    to = {"Supports": "SUPPORT", "Refutes": "CONTRADICT", "Neutral": "NEI"}
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), 2):
            if row.get("label") not in to:
                raise SystemExit(f"{path}:{n}: label {row.get('label')!r}, not Supports/Refutes/Neutral")
            sents = split_sentences(row["evidence"] or "")
            if sents and (row["claim"] or "").strip():
                out.append(LabelledPair(int(row["id"]), row["claim"].strip(), int(row["id"]), sents, to[row["label"]]))
    return out
