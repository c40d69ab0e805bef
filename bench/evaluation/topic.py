"""Is a source about the claim's subject?  A benchmark across medicine, from real data.

``citeaudit eval topic [--tune] [--semantic]`` (``python -m bench.evaluation.topic``)

(a) Cross-field pairs from the real PubMed records in shared/data/pubmed.  A
record's field comes from its journal's name (ophthalmology from "Journal of
cataract and refractive surgery", tropical medicine from "Acta tropica", ...;
``FIELDS`` below), never from anything the scorer reads, so the label is
independent of MeSH.  Each record with an abstract gives one claim, its
abstract's last sentence (the conclusion; the title when that is short), paired
with (1) its own record, (2) a record of the same field and (3) a record of
another field; the claim is also the subject, as in ``eval scifact``.  Records
are split by PMID hash into train (2/3) and held-out (1/3), and pairs never
cross the split.  ``topic_precision`` and ``topic_recall`` are for the verdict
``off_topic`` with other-field pairs as the class to find and own-record pairs
as the ones that must not be flagged (same-field pairs are reported apart: a
same-field source may or may not address a claim).

(b) Genuine citations that must not be flagged ``high``: SciFact evidence pairs
(dev split: SciFact test has no labels), Citation-Integrity ACCURATE pairs
(test split) and the citing claims of the PMC JATS articles (their drift from
the article's subject; their references do not resolve offline).
``genuine_false_alarm`` is the share of these with a high-severity off-topic
finding.

``--tune`` chooses the tree depths of ``scoring.mesh_depth`` and
``scoring.mesh_depth_site`` on the train part of (a) with SciFact train and
Citation-Integrity train pairs as genuine citations, and writes them to
config.yaml: the most recall at precision >= 0.95 and the fewest genuine high
false alarms, differences within one standard error counting as ties; among
ties the deeper (finer) depths.

The last line printed is
``topic_precision=... topic_recall=... genuine_false_alarm=... fields=... pairs=...`` (held-out part).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from audit.config import ScoringConfig, load_config
from audit.models import OFF_TOPIC, Record
from audit.severity import HIGH, severity_of
from audit.scoring.score import (RecordFeatures, TextFeatures, claim_drift, article_subject, prepare_record,
                                 prepare_text, score_pair)

ROOT = Path(__file__).resolve().parents[2]

# Journal-name cues -> field, first match wins ("cataract and refractive surgery" is ophthalmology
# before it is surgery).  Multidisciplinary journals (Science, PLoS One, Data in brief) have no field.
FIELDS: list[tuple[str, str]] = [
    ("ophthalmology", r"cataract|ophthalm|\beye\b|retina|optometr"),
    ("fertility", r"fertility|steril|reproduct|ginekol|obstet|gynecol"),
    ("tropical medicine", r"tropica|malaria|parasitol"),
    ("orthodontics and dentistry", r"orthodont|dental|periodont|oral implants|tandheelkunde|oral health"),
    ("anaesthesia", r"anaesthes|anesthes"),
    ("psychiatry and psychology", r"psycholog|psychiatr|psychosom|addict"),
    ("cardiology", r"cardio|arrhythm|circulation|\bheart\b|hypertension"),
    ("oncology", r"cancer|oncol|carcinogen"),
    ("biochemistry", r"biological chemistry|biochem"),
    ("pharmacy", r"pharma"),
    ("surgery", r"surg"),
    ("otorhinolaryngology", r"otorhinolaryng|otolaryng"),
    ("neuroscience", r"neuro"),
    ("epidemiology and public health", r"epidemiol|prevent|public health|health services|health policy"),
    ("gastroenterology", r"gastro|hepatol|endoscop"),
    ("infectious disease", r"infect|virol|microbiol"),
    ("bioinformatics", r"bioinformatic|cheminform|algorithms|computational|synthetic biology"),
]
_FIELD_RX = [(name, re.compile(rx, re.I)) for name, rx in FIELDS]


def field_of(record: Record) -> str:
    for name, rx in _FIELD_RX:
        if rx.search(record.journal or "") or rx.search(record.journal_iso or ""):
            return name
    return ""


def split_of(pmid: str) -> str:
    """train (2/3) or heldout (1/3), fixed by the PMID."""
    return "heldout" if int(hashlib.sha256(pmid.encode()).hexdigest(), 16) % 3 == 0 else "train"


def claim_of(record: Record) -> str:
    sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", record.abstract) if s.strip()]
    last = sents[-1] if sents else ""
    return last if len(last.split()) >= 8 else record.title


@dataclass
class TopicPair:
    kind: str                    # own | same | other
    claim: int                   # index into claims
    pmid: str


@dataclass
class TopicSet:
    claims: list[TextFeatures]
    pairs: list[TopicPair]
    records: dict[str, RecordFeatures]
    fields: set[str]


def build_topic_pairs(records: dict[str, Record], split: str, seed: int = 13) -> TopicSet:
    rng = random.Random(f"{seed}-{split}")
    usable = {p: r for p, r in records.items() if r.abstract and r.title and field_of(r) and split_of(p) == split}
    by_field: dict[str, list[str]] = {}
    for p in sorted(usable):
        by_field.setdefault(field_of(usable[p]), []).append(p)
    claims, pairs = [], []
    for p in sorted(usable):
        f = field_of(usable[p])
        same = [q for q in by_field[f] if q != p]
        other = [q for g, qs in by_field.items() if g != f for q in qs]
        if not same or not other:
            continue
        i = len(claims)
        claims.append(prepare_text(claim_of(usable[p])))
        pairs += [TopicPair("own", i, p), TopicPair("same", i, rng.choice(same)), TopicPair("other", i, rng.choice(other))]
    feats = {q: prepare_record(usable[q]) for q in {x.pmid for x in pairs}}
    return TopicSet(claims, pairs, feats, {field_of(usable[x.pmid]) for x in pairs})


def topic_figures(ts: TopicSet, cfg: ScoringConfig) -> dict[str, float]:
    flagged = {"own": 0, "same": 0, "other": 0}
    count = {"own": 0, "same": 0, "other": 0}
    for tp in ts.pairs:
        c = ts.claims[tp.claim]
        p = score_pair("c", "r", c, ts.records[tp.pmid], c, cfg)
        count[tp.kind] += 1
        flagged[tp.kind] += p.verdict == OFF_TOPIC
    prec = flagged["other"] / (flagged["other"] + flagged["own"]) if flagged["other"] + flagged["own"] else 0.0
    return {"topic_precision": prec, "topic_recall": flagged["other"] / max(1, count["other"]),
            "own_flagged": flagged["own"] / max(1, count["own"]), "same_flagged": flagged["same"] / max(1, count["same"]),
            "pairs": len(ts.pairs), "fields": len(ts.fields)}


# --------------------------------------------------------------------------- genuine citations

@dataclass
class Genuine:
    name: str
    pairs: list[tuple[TextFeatures, RecordFeatures]]
    records: dict[int, Record] = dataclasses.field(default_factory=dict)   # doc id -> record, for embeddings


def scifact_genuine(data_dir: Path, split: str) -> Genuine:
    from bench.evaluation.evaluate import load_claims, load_scifact_corpus
    corpus = load_scifact_corpus(data_dir)
    out, feats = [], {}
    for c in load_claims(data_dir / "scifact" / f"claims_{split}.jsonl"):
        cf = prepare_text(c.text)
        for d in c.evidence:
            if d in corpus:
                feats.setdefault(d, prepare_record(corpus[d]))
                out.append((cf, feats[d]))
    return Genuine(f"SciFact {split} evidence pairs", out, {d: corpus[d] for d in feats})


def citation_integrity_genuine(data_dir: Path, split: str) -> Genuine:
    base = data_dir / "claims" / "citation_integrity"
    docs = {}
    for line in (base / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            docs[int(d["doc_id"])] = d
    out, feats, recs = [], {}, {}
    for line in (base / f"claims_{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        c = json.loads(line)
        text = re.sub(r"\[?<\|[a-z_]+\|>\]?", " ", c["claim"])
        cf = None
        for doc, ents in (c.get("evidence") or {}).items():
            if int(doc) not in docs or not any(e["label"] == "ACCURATE" for e in ents):
                continue
            d = docs[int(doc)]
            cf = cf or prepare_text(text)
            if int(doc) not in feats:
                recs[int(doc)] = Record(pmid=str(doc), title=d.get("title") or "",
                                        abstract=" ".join(d.get("abstract") or []))
                feats[int(doc)] = prepare_record(recs[int(doc)])
            out.append((cf, feats[int(doc)]))
    return Genuine(f"Citation-Integrity {split} ACCURATE pairs", out, recs)


def genuine_pair_alarms(g: Genuine, cfg: ScoringConfig) -> int:
    n = 0
    for cf, rf in g.pairs:
        p = score_pair("c", "r", cf, rf, cf, cfg)
        n += p.verdict == OFF_TOPIC and severity_of("off_topic", pair=p.severity) == HIGH
    return n


def jats_claims(data_dir: Path) -> list[tuple[str, str, TextFeatures, TextFeatures]]:
    """(article, claim id, claim, article subject) for every citing claim of the readable JATS articles."""
    from audit.reading.ingest import read_article
    out = []
    for path in sorted((data_dir / "jats").rglob("*")):
        if not path.is_file():
            continue
        try:
            art = read_article(path)
        except Exception:           # an unreadable file is reported by the reading tests, not here
            continue
        claims = [c for c in art.claims if c.citations]
        feats = [prepare_text(c.text) for c in claims]
        subject = article_subject(art, {}, feats)
        out += [(path.name, c.id, f, subject) for c, f in zip(claims, feats)]
    return out


def jats_alarms(items, cfg: ScoringConfig) -> tuple[int, list[str]]:
    from audit.findings import drift_findings
    n, examples = 0, []
    for name, cid, cf, subject in items:
        fs = drift_findings(claim_drift(cid, cf, subject, cfg))
        if any(f.severity == HIGH for f in fs):
            n += 1
            examples.append(f"{name} {cid}: {fs[0].message[:160]}")
    return n, examples


# --------------------------------------------------------------------------- tuning

def tune(records: dict[str, Record], data_dir: Path, cfg: ScoringConfig, config_path: Path) -> ScoringConfig:
    ts = build_topic_pairs(records, "train")
    genuine = [scifact_genuine(data_dir, "train"), citation_integrity_genuine(data_dir, "train")]
    n_gen = sum(len(g.pairs) for g in genuine)
    results = []
    for depth in (2, 3, 4, 5):
        for site in (3, 4, 5, 6, 7):
            c = dataclasses.replace(cfg, mesh_depth=depth, mesh_depth_site=site)
            f = topic_figures(ts, c)
            alarm = sum(genuine_pair_alarms(g, c) for g in genuine) / max(1, n_gen)
            results.append((f, alarm, c))
            print(f"mesh_depth={depth} mesh_depth_site={site}: train topic_precision={f['topic_precision']:.3f} "
                  f"topic_recall={f['topic_recall']:.3f} genuine_false_alarm={alarm:.3f}", flush=True)
    # Among settings with precision >= 0.95 (all, when none reaches it), those within one standard error of
    # the best recall and of the fewest genuine false alarms are equally good on this data; of those the
    # deepest (finest) is taken, since a deeper depth tells more sibling diseases apart.
    ok = [r for r in results if r[0]["topic_precision"] >= 0.95] or results
    se = lambda p, n: (max(p * (1 - p), 1e-9) / max(1, n)) ** 0.5
    best_recall = max(r[0]["topic_recall"] for r in ok)
    n_other = sum(1 for x in ts.pairs if x.kind == "other")
    ok = [r for r in ok if r[0]["topic_recall"] >= best_recall - se(best_recall, n_other)]
    best_alarm = min(r[1] for r in ok)
    ok = [r for r in ok if r[1] <= best_alarm + se(best_alarm, n_gen)]
    c = max(ok, key=lambda r: (r[2].mesh_depth, r[2].mesh_depth_site))[2]
    write_scoring(config_path, {"mesh_depth": c.mesh_depth, "mesh_depth_site": c.mesh_depth_site})
    print(f"chosen: mesh_depth={c.mesh_depth} mesh_depth_site={c.mesh_depth_site} (written to {config_path})")
    return c


def write_scoring(path: Path, values: dict[str, object]) -> None:
    """Set keys of the scoring section of a config.yaml in place (other lines and comments kept)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.rstrip() == "scoring:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))),
               len(lines))
    todo = dict(values)
    for i in range(start + 1, end):
        m = re.match(r"\s+(\w+):", lines[i])
        if m and m.group(1) in todo:
            lines[i] = f"  {m.group(1)}: {todo.pop(m.group(1))}"
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [f"  {k}: {v}" for k, v in todo.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main

def run(data_dir: Path, cfg: ScoringConfig, verbose: bool = True) -> dict[str, float]:
    from audit.pubmed.records import load_records
    records = load_records([data_dir / "pubmed"])
    ts = build_topic_pairs(records, "heldout")
    if cfg.semantic:
        from audit.scoring import semantic
        semantic.attach_texts(ts.claims)
        semantic.attach_records([(records[p], rf) for p, rf in ts.records.items()])
    f = topic_figures(ts, cfg)
    genuine = [scifact_genuine(data_dir, "dev"), citation_integrity_genuine(data_dir, "test")]
    if cfg.semantic:
        from audit.scoring import semantic
        for g in genuine:
            semantic.attach_texts(list({id(c): c for c, _ in g.pairs}.values()))
            by_id = {id(rf): rf for _, rf in g.pairs}
            semantic.attach_records([(g.records[int(rf.pmid)], rf) for rf in by_id.values()])
    alarms = {g.name: (genuine_pair_alarms(g, cfg), len(g.pairs)) for g in genuine}
    items = jats_claims(data_dir)
    n_j, examples = jats_alarms(items, cfg)
    alarms["PMC JATS citing claims (drift)"] = (n_j, len(items))
    total = sum(n for n, _ in alarms.values())
    size = sum(m for _, m in alarms.values())
    f["genuine_false_alarm"] = total / max(1, size)
    if verbose:
        print(f"cross-field pairs (held-out): {f['pairs']} over {f['fields']} fields; off_topic on own record "
              f"{f['own_flagged']:.3f}, same field {f['same_flagged']:.3f}")
        for name, (n, m) in alarms.items():
            print(f"genuine: {name}: {n} of {m} flagged high ({n / max(1, m):.3f})")
        for e in examples[:8]:
            print("  " + e)
    return f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="citeaudit eval topic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--tune", action="store_true", help="choose the tree depths on train and write them to --config")
    ap.add_argument("--config", default=None, help="config.yaml to read (and with --tune, to write)")
    ap.add_argument("--data", default=None, help="shared/data directory")
    ap.add_argument("--semantic", action="store_true", help="add the sentence-embedding signal")
    args = ap.parse_args(argv)
    from bench.evaluation.evaluate import default_data_dir
    data_dir = Path(args.data) if args.data else default_data_dir()
    config_path = Path(args.config) if args.config else ROOT / "config.yaml"
    cfg = load_config(str(config_path), env={}).scoring if config_path.exists() else ScoringConfig()
    if args.semantic:
        from audit.scoring import semantic
        if not semantic.available():
            raise SystemExit("--semantic needs the 'semantic' extra")
        cfg.semantic = True
    if args.tune:
        from audit.pubmed.records import load_records
        cfg = tune(load_records([data_dir / "pubmed"]), data_dir, cfg, config_path)
    f = run(data_dir, cfg)
    print(f"topic_precision={f['topic_precision']:.3f} topic_recall={f['topic_recall']:.3f} "
          f"genuine_false_alarm={f['genuine_false_alarm']:.3f} fields={f['fields']} pairs={f['pairs']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
