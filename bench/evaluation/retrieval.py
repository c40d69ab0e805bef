"""How well the source search finds what a claim cites: ``citeaudit eval retrieval ...``.

``scifact`` (the published yardstick): every SciFact claim of the split with
evidence is searched among all 5,183 abstracts of the corpus (the CSV export
in shared/data/scifact/third_party) through the audit's own search-and-rerank
path (``SourceFinder.search``: local FTS5/BM25 queries, then the scorer's
rerank).  Prints nDCG@10 (binary: evidence abstracts are relevant) and the
share of a claim's evidence abstracts in its top 3 and top 10, averaged over
claims.  The last line: ``ndcg_at_10=... recall_at_3=... recall_at_10=...``.
(Not BEIR's figure: BEIR's SciFact queries are the 300 test claims with all
their cited abstracts, NEI claims included; this task uses the dev claims'
evidence abstracts, as the issue asks.)

``tune``: the rerank weight ``W_SUPPORT`` of ``audit.sources`` on the SciFact
*train* claims (nDCG@10 for each weight of a grid; the dev claims are never
looked at).

``journals``: claims written as an AI answer writes them, "A study published
in <journal> found that <finding in other words>", with no reference, one per
real PubMed record with an abstract in the XML of shared/data/pubmed.  The finding is the
abstract's conclusion sentence reworded (its hedge dropped, common words
swapped for synonyms, ``paraphrase``).  Searched offline (local index over the
records) and online against the local E-utilities server on the same records
(a fresh record cache, so the local index holds only what ESearch found).
The last line: ``offline_top1=... offline_top3=... server_top1=... server_top3=...``.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit.config import ScoringConfig, SourcesConfig
from audit.models import Record
from audit.pubmed.local_index import LocalIndex
from audit.pubmed.search import Searcher
from audit.sources import SourceFinder

# --------------------------------------------------------------------------- metrics


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1.0 / math.log2(i + 2) for i, p in enumerate(ranked[:k]) if p in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


# --------------------------------------------------------------------------- SciFact


def scifact_finder(corpus: dict[int, Record], scoring: ScoringConfig) -> SourceFinder:
    index = LocalIndex(corpus.values())
    return SourceFinder(Searcher(index, None, local_limit=SourcesConfig().local_limit), scoring)


def scifact_runs(data_dir: Path, split: str, scoring: ScoringConfig, sample: int | None = None):
    """(relevant PMIDs, Ranked list) for each claim of the split with evidence."""
    from bench.evaluation.evaluate import load_claims, load_scifact_corpus
    corpus = load_scifact_corpus(data_dir)
    finder = scifact_finder(corpus, scoring)
    claims = [c for c in load_claims(data_dir / "scifact" / f"claims_{split}.jsonl") if c.evidence]
    if sample:
        claims = claims[:sample]
    out = []
    for c in claims:
        _, _, ranked = finder.search(c.text)
        out.append(({str(d) for d in c.evidence}, ranked))
    return out


def figures(runs, w_support: float | None = None) -> dict[str, float]:
    n = max(1, len(runs))
    nd = r3 = r10 = 0.0
    for rel, ranked in runs:
        if w_support is not None:
            ranked = sorted(ranked, key=lambda r: (-(r.bm25 + w_support * r.support), r.pmid))
        ids = [r.pmid for r in ranked]
        nd += ndcg_at(ids, rel)
        r3 += recall_at(ids, rel, 3)
        r10 += recall_at(ids, rel, 10)
    return {"ndcg_at_10": nd / n, "recall_at_3": r3 / n, "recall_at_10": r10 / n, "claims": len(runs)}


def _line(f: dict[str, float]) -> str:
    return f"ndcg_at_10={f['ndcg_at_10']:.3f} recall_at_3={f['recall_at_3']:.3f} recall_at_10={f['recall_at_10']:.3f}"


# --------------------------------------------------------------------------- journal-named claims

# Common words of conclusions and the words an AI answer tends to use instead.
SYNONYMS = {
    "patients": "people", "patient": "person", "increased": "raised", "increase": "rise",
    "decreased": "lowered", "decrease": "fall", "reduced": "lowered", "reduces": "lowers", "reduce": "lower",
    "associated with": "linked to", "significantly": "markedly", "significant": "marked",
    "demonstrate": "show", "demonstrated": "showed", "demonstrates": "shows", "results": "findings",
    "treatment": "therapy", "improved": "bettered", "improves": "betters", "important": "key",
    "however": "yet", "may be": "might be", "can be": "could be", "suggest": "indicate",
    "higher": "greater", "lower": "smaller", "risk": "likelihood", "effect": "impact", "effects": "impacts",
    "use": "application", "useful": "helpful", "therefore": "thus", "observed": "seen",
}
_HEDGE = re.compile(r"^(?:(?:in\s+)?conclusions?,?\s*|(?:taken\s+together|overall|collectively),?\s*|"
                    r"(?:these|our|the(?:se)?|this)\s+(?:results|findings|data|study|studies|observations)\s+"
                    r"(?:\w+\s+)?(?:suggest|suggests|indicate|indicates|show|shows|demonstrate|demonstrates|"
                    r"support|supports|confirm|confirms|reveal|reveals)\s+(?:that\s+)?|"
                    r"we\s+(?:\w+\s+)?(?:conclude|found|show|demonstrate|propose|suggest)\s+(?:that\s+)?)", re.I)
_LABEL = re.compile(r"\b(?:CONCLUSIONS?|INTERPRETATION|SIGNIFICANCE|IMPLICATIONS)\s*:\s*")


_BACK_MATTER = re.compile(r"\b(?:AVAILABILITY(?: AND IMPLEMENTATION)?|SUPPLEMENTARY INFORMATION|CONTACT|"
                          r"TRIAL REGISTRATION|FUNDING|REGISTRATION|FINANCIAL DISCLOSURES?|DISCLOSURES?|COMPETING INTERESTS|"
                          r"CONFLICTS? OF INTEREST)\s*:.*$", re.S)


def conclusion(abstract: str) -> str:
    """The abstract's conclusion: the text after its CONCLUSION label, else its last sentence (no back matter)."""
    parts = _LABEL.split(_BACK_MATTER.sub("", abstract))
    tail = parts[-1]
    sents = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", tail.strip()) if len(s.split()) >= 5]
    if not sents:
        return ""
    return sents[0] if len(parts) > 1 else sents[-1]


def paraphrase(sentence: str) -> str:
    s = sentence.strip().rstrip(".")
    for _ in range(2):
        s = _HEDGE.sub("", s).strip()
    for a, b in SYNONYMS.items():
        s = re.sub(rf"\b{a}\b", b, s, flags=re.I)
    return s[:1].lower() + s[1:]


def journal_as_written(rec: Record) -> str:
    """The journal as an answer names it: no subtitle, no place ("Lancet (London, England)" -> "Lancet")."""
    name = re.sub(r"\s*\([^)]*\)", "", rec.journal or rec.journal_iso)
    name = name.split(" : ")[0].split(": ")[0].split(" = ")[0]
    return " ".join(name.split()).rstrip(" .")


def journal_claims(records: dict[str, Record]) -> list[tuple[str, str]]:
    """(claim, PMID of its source) for every record with a journal and an abstract conclusion."""
    out = []
    for pmid in sorted(records, key=int):
        r = records[pmid]
        if not (r.journal or r.journal_iso) or not r.abstract:
            continue
        finding = paraphrase(conclusion(r.abstract))
        if len(finding.split()) < 5:
            continue
        out.append((f"A study published in {journal_as_written(r)} found that {finding}.", pmid))
    return out


@dataclass
class Accuracy:
    top1: float
    top3: float
    identified: float            # share the audit would call identified (confident and right)
    wrong_identified: int        # confident and wrong
    n: int


def journal_accuracy(finder: SourceFinder, claims: list[tuple[str, str]]) -> Accuracy:
    from audit.models import IDENTIFIED, Claim
    from audit.scoring.score import prepare_text
    t1 = t3 = ok = bad = 0
    subject = prepare_text("")
    for i, (text, pmid) in enumerate(claims):
        s = finder.identify(Claim(id=f"c{i}", text=text, citations=[]), subject)
        ids = [c.pmid for c in s.candidates]
        t1 += ids[:1] == [pmid]
        t3 += pmid in ids[:3]
        if s.status == IDENTIFIED:
            if s.identified and s.identified.pmid == pmid:
                ok += 1
            else:
                bad += 1
    n = max(1, len(claims))
    return Accuracy(t1 / n, t3 / n, ok / n, bad, len(claims))


def run_journals(data_dir: Path, scoring: ScoringConfig, sample: int | None = None) -> dict[str, Accuracy]:
    from devtools.eutils_server import EutilsServer, RecordStore
    from audit.config import EntrezConfig
    from audit.pubmed.cache import RecordCache
    from audit.pubmed.entrez import EntrezSource
    # The records the local server serves (its XML; MEDLINE-text files are not served), so both
    # runs look for the same sources.
    store = RecordStore.from_paths([data_dir / "pubmed"])
    records = {p: e.record for p, e in store.entries.items()}
    claims = journal_claims(records)
    if sample:
        claims = claims[:sample]
    out = {"offline": journal_accuracy(SourceFinder(Searcher(LocalIndex(records.values())), scoring), claims)}
    with tempfile.TemporaryDirectory() as tmp, EutilsServer(store=store) as srv:
        cfg = EntrezConfig(base_url=srv.url, requests_per_second=500.0, backoff_base=0.01, backoff_max=0.05,
                           email="eval@example.org", cache_path=str(Path(tmp) / "cache.sqlite"))
        cache = RecordCache(cfg.cache_path)
        source = EntrezSource(cfg, cache)
        finder = SourceFinder.for_source(source, scoring)
        out["server"] = journal_accuracy(finder, claims)
        out["server_requests"] = len(srv.requests)  # type: ignore[assignment]
        cache.close()
    return out


# --------------------------------------------------------------------------- command


def main(argv: list[str] | None = None) -> int:
    from audit.config import load_config
    from bench.evaluation.evaluate import default_data_dir
    ap = argparse.ArgumentParser(prog="citeaudit eval retrieval", description=__doc__.split("\n\n")[0])
    ap.add_argument("task", nargs="?", default="scifact", choices=["scifact", "tune", "journals"])
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--sample", type=int, default=None, help="only the first N claims")
    ap.add_argument("--config", default=None)
    ap.add_argument("--data", default=None, help="shared/data directory")
    args = ap.parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    scoring = load_config(args.config).scoring if args.config else ScoringConfig()
    if args.task == "tune":
        runs = scifact_runs(data_dir, "train", scoring, args.sample)
        best = None
        for w in [x / 4 for x in range(0, 17)]:
            f = figures(runs, w)
            print(f"w_support={w:.2f} {_line(f)}", flush=True)
            if best is None or f["ndcg_at_10"] > best[1]:
                best = (w, f["ndcg_at_10"])
        print(f"best w_support={best[0]:.2f} (SciFact train, {len(runs)} claims)")
        return 0
    if args.task == "journals":
        res = run_journals(data_dir, scoring, args.sample)
        for k in ("offline", "server"):
            a = res[k]
            print(f"{k}: {a.n} journal-named claims, top-1 {a.top1:.3f}, top-3 {a.top3:.3f}, identified "
                  f"{a.identified:.3f} (confident and right), {a.wrong_identified} confident and wrong")
        print(f"local E-utilities server: {res['server_requests']} requests")
        print(f"offline_top1={res['offline'].top1:.3f} offline_top3={res['offline'].top3:.3f} "
              f"server_top1={res['server'].top1:.3f} server_top3={res['server'].top3:.3f}")
        return 0
    runs = scifact_runs(data_dir, args.split, scoring, args.sample)
    f = figures(runs)
    print(f"SciFact {args.split}: {f['claims']} claims with evidence, ranked among all abstracts "
          "(local BM25, reranked with the scorer)")
    print(_line(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
