"""Finding what an unreferenced claim cites, and suggesting sources that support a claim (audit.sources).

Real data only: the seed answer, the PubMed records in shared/data/pubmed (offline and served by the
local E-utilities server), the SciFact corpus, and the bundled example article.
"""
from __future__ import annotations

import json

import pytest

from audit.config import Config, ScoringConfig
from bench.evaluation.retrieval import journal_claims, ndcg_at, recall_at
from audit.models import IDENTIFIED, NOT_IDENTIFIED, SUGGEST, Claim
from audit.pipeline import audit_file
from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezSource
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.local_index import LocalIndex
from audit.pubmed.search import Searcher, claim_cues
from audit.scoring.score import prepare_text
from audit.sources import SourceFinder
from eutils_fixture import eutils_server, entrez_config, record_store  # noqa: F401
from reports.writer import article_report

SEED_JOURNALS = ["Journal of surgical oncology", "Annals of surgical oncology", "Diseases of the colon and rectum",
                 "Nature communications", "International journal of surgery case reports"]


@pytest.fixture(scope="module")
def shared_records():
    # The records the local server serves, parsed once per session (eutils_fixture.record_store).
    return {p: e.record for p, e in record_store().entries.items()}


@pytest.fixture(scope="module")
def offline(shared_records):
    return OfflineSource(shared_records, origin="shared/data/pubmed")


def test_claim_cues_read_journal_year_and_author():
    c = claim_cues("A study published in Journal of anaesthesiology, clinical pharmacology found that clonidine helps.")
    assert c.journal == "Journal of anaesthesiology, clinical pharmacology"
    c = claim_cues("Smith et al. (2019) showed that aspirin lowers risk, as published in The Lancet.")
    assert (c.journal, c.year, c.author) == ("The Lancet", 2019, "Smith")
    c = claim_cues("A recent case report published in the International journal of surgery case reports described a case.")
    assert c.journal == "International journal of surgery case reports"
    assert claim_cues("Liver metastases are common.").as_dict() == {}


def test_local_index_ranks_and_reports_bad_queries(shared_records):
    idx = LocalIndex(shared_records.values())
    assert len(idx) == len(shared_records)
    hits = idx.search('"crizotinib"', 5)
    assert hits and all("crizotinib" in (shared_records[h.pmid].title + shared_records[h.pmid].abstract).lower()
                        for h in hits)
    assert [h.bm25 for h in hits] == sorted((h.bm25 for h in hits), reverse=True)
    with pytest.raises(ValueError, match="local index cannot run query"):
        idx.search('"unclosed', 5)


def test_journal_named_claims_are_identified_offline(shared_records):
    claims = journal_claims(shared_records)
    assert len(claims) > 600
    finder = SourceFinder(Searcher(LocalIndex(shared_records.values())), ScoringConfig())
    subject = prepare_text("")
    picked = claims[::60]
    right = 0
    for i, (text, pmid) in enumerate(picked):
        s = finder.identify(Claim(id=f"c{i}", text=text, citations=[]), subject)
        assert s.mode == "offline" and "offline" in s.note
        assert all(q.where == "local index" for q in s.queries)
        right += s.status == IDENTIFIED and s.identified.pmid == pmid
    assert right >= len(picked) - 2
    # The same finding under another journal's name: the record no longer matches every cue.
    text, pmid = next((t, p) for t, p in claims if "Fertility and sterility" in t)
    wrong = text.replace("Fertility and sterility", "The Journal of biological chemistry")
    s = finder.identify(Claim(id="c1", text=wrong, citations=[]), subject)
    assert s.status == NOT_IDENTIFIED
    assert any(c.pmid == pmid and "is not" in c.why for c in s.candidates)


def test_journal_named_claim_identified_through_the_local_server(eutils_server, entrez_config, tmp_path,
                                                                 shared_records):
    cfg = entrez_config(eutils_server)
    claims = [c for c in journal_claims(shared_records) if "Journal of anaesthesiology" in c[0]][:3]
    with RecordCache(cfg.cache_path) as cache:
        finder = SourceFinder.for_source(EntrezSource(cfg, cache), ScoringConfig())
        for i, (text, pmid) in enumerate(claims):
            s = finder.identify(Claim(id=f"c{i}", text=text, citations=[]), prepare_text(""))
            assert s.mode == "online"
            assert s.status == IDENTIFIED and s.identified.pmid == pmid
            sent = [q.query for q in s.queries if q.where == "pubmed"]
            assert sent[0].startswith('"Journal of anaesthesiology, clinical pharmacology"[ta] AND (')
            assert any(pmid in q.found for q in s.queries if q.where == "pubmed")
        # Every ESearch went to the server with its field tags, and the records found are in the cache.
        terms = [r["params"]["term"] for r in eutils_server.requests_for("esearch")]
        assert any("[ta]" in t for t in terms) and any("[tiab]" in t for t in terms)
        assert cache.get(claims[0][1]) is not None


def test_seed_against_local_server_logs_queries_and_says_not_identified(eutils_server, entrez_config,
                                                                        shared_dir):
    cfg = entrez_config(eutils_server)
    with RecordCache(cfg.cache_path) as cache:
        audit = audit_file(shared_dir / "seeds/ileal-net-answer.txt", EntrezSource(cfg, cache), Config())
    searches = [s for s in audit.sources if s.purpose == "identify"]
    assert [s.cues.get("journal") for s in searches] == SEED_JOURNALS
    for s in searches:
        assert s.mode == "online"
        # None of the seed's true sources is in the local data: nothing may be called identified.
        assert s.status == NOT_IDENTIFIED and s.identified is None
        pub = [q for q in s.queries if q.where == "pubmed"]
        assert pub and pub[0].query.startswith(f'"{s.cues["journal"]}"[ta]')
        assert any(q.where == "local index" for q in s.queries)
        assert all(c.pmid in q.found for c in s.candidates for q in [s.queries[c.found_by[0]]])
    sent = {r["params"]["term"] for r in eutils_server.requests_for("esearch")}
    assert {q.query for s in searches for q in s.queries if q.where == "pubmed"} == sent
    msgs = [f.message for f in audit.findings if f.kind == "source_not_identified"]
    assert len(msgs) == 5 and all("could not be identified" in m for m in msgs)
    assert not any(f.kind == "source_identified" for f in audit.findings)
    rep = json.loads(json.dumps(article_report(audit)))
    logged = [q for s in rep["sources"] for q in s["queries"] if q["where"] == "pubmed"]
    assert logged and all(q["url"].startswith("https://pubmed.ncbi.nlm.nih.gov/?term=") for q in logged)


def test_seed_offline_says_so(shared_dir, offline):
    audit = audit_file(shared_dir / "seeds/ileal-net-answer.txt", offline, Config())
    assert len(audit.sources) == 5
    for s in audit.sources:
        assert s.mode == "offline" and s.status == NOT_IDENTIFIED
        assert {q.where for q in s.queries} == {"local index"}
    assert all("offline" in f.message for f in audit.findings if f.kind == "source_not_identified")


def test_unsupportive_citations_get_supporting_suggestions(root_dir, offline):
    cfg = Config()
    audit = audit_file(root_dir / "examples/articles/colorectal-cancer-genetics.html", offline, cfg)
    bad = {(p.claim_id, p.reference_id): p for p in audit.pairs if p.verdict in ("off_topic", "weak")}
    sugg = [s for s in audit.sources if s.purpose == SUGGEST]
    assert bad and {(s.claim_id, s.reference_id) for s in sugg} == set(bad)
    with_cands = [s for s in sugg if s.candidates]
    assert with_cands
    for s in with_cands:
        cited = bad[(s.claim_id, s.reference_id)].pmid
        assert len(s.candidates) <= 3
        assert all(c.verdict == "relevant" and c.pmid != cited for c in s.candidates)
        assert all(c.relevance >= cfg.scoring.relevant_threshold for c in s.candidates)
        assert [c.score for c in s.candidates] == sorted((c.score for c in s.candidates), reverse=True)
    found = [f for f in audit.findings if f.kind == "suggested_sources"]
    # With no stance step (scoring.semantic off) no record is called supporting: only related.
    assert not any(c.supports for s in with_cands for c in s.candidates)
    assert len(found) == len(with_cands) and all("related records to look at" in f.message for f in found)
    # The nightly keeps audits as JSON: the searches come back whole.
    from audit.history import pack_audit, unpack_audit
    assert unpack_audit(pack_audit(audit)).sources == audit.sources


def test_retrieval_metrics():
    assert ndcg_at(["a", "b", "c"], {"a"}) == 1.0
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / 1.584962500721156)
    assert ndcg_at(["x"] * 10 + ["a"], {"a"}) == 0.0
    assert recall_at(["a", "x", "b"], {"a", "b"}, 2) == 0.5


def test_eval_retrieval_scifact_prints_its_figures(capsys, data_dir):
    from bench.evaluation.evaluate import main
    assert main(["retrieval", "scifact", "--sample", "12", "--data", str(data_dir)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    vals = dict(kv.split("=") for kv in last.split())
    assert set(vals) == {"ndcg_at_10", "recall_at_3", "recall_at_10"}
    assert all(0.0 <= float(v) <= 1.0 for v in vals.values())
    assert float(vals["recall_at_10"]) >= float(vals["recall_at_3"])


def test_author_journal_and_year_go_to_ecitmatch(eutils_server, entrez_config, shared_records):
    rec = next(r for r in shared_records.values()
               if r.first_author == "O'Byrne" and r.year == 2018)
    finding = rec.title.rstrip(".").lower()
    text = f"{rec.first_author} et al. reported in {rec.journal} in {rec.year} that {finding}."
    cfg = entrez_config(eutils_server)
    with RecordCache(cfg.cache_path) as cache:
        finder = SourceFinder.for_source(EntrezSource(cfg, cache), ScoringConfig())
        s = finder.identify(Claim(id="c1", text=text, citations=[]), prepare_text(""))
    assert s.cues == {"journal": rec.journal, "year": "2018", "author": "O'Byrne"}
    cit = [q for q in s.queries if q.where == "pubmed ecitmatch"]
    assert len(cit) == 1 and cit[0].found == [rec.pmid]
    assert cit[0].query.startswith(f"{rec.journal}|2018|||o'byrne|")
    assert len(eutils_server.requests_for("ecitmatch")) == 1
    assert s.status == IDENTIFIED and s.identified.pmid == rec.pmid


def test_sources_section_of_the_config(tmp_path):
    from audit.config import load_config
    from audit.errors import ConfigError
    good = tmp_path / "good.yaml"
    good.write_text("sources:\n  enabled: false\n  candidates: 2\n", encoding="utf-8")
    cfg = load_config(good, env={})
    assert (cfg.sources.enabled, cfg.sources.candidates) == (False, 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  candidates: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml.*sources\.candidates"):
        load_config(bad, env={})


def test_identified_source_is_audited_like_a_cited_reference(offline, shared_records):
    from audit.models import Article
    from audit.pipeline import score_and_find
    from audit.sources import find_sources
    # PMID 8655018 is a Retracted Publication in the shared records.
    text, pmid = next(c for c in journal_claims(shared_records) if c[1] == "8655018")
    art = Article(id="a", path="a.txt", format="text", title="Nutrition in pregnancy", subject="Nutrition in pregnancy",
                  text=text, sha256="", claims=[Claim("c1", text, [])])
    audit = find_sources(score_and_find(art, {}, Config().scoring),
                         SourceFinder.for_source(offline, Config().scoring))
    (s,) = audit.sources
    assert s.status == IDENTIFIED and s.identified.pmid == pmid and s.identified.reference_id == "identified"
    kinds = {f.kind: f for f in audit.findings}
    assert "likely source is PMID 8655018 (identified, not given" in kinds["source_identified"].message
    assert kinds["retracted"].detail == "identified" and kinds["retracted"].pmid == pmid


def test_a_failing_source_search_keeps_the_article_and_its_findings(offline, shared_records, monkeypatch, caplog):
    from audit import search_step
    from audit.models import Article
    from audit.pipeline import score_and_find, search_sources
    text, _ = next(iter(journal_claims(shared_records)))
    art = Article(id="a", path="a.txt", format="text", title="t", subject="t", text=text, sha256="",
                  claims=[Claim("c1", text, ["1"])])
    audit = score_and_find(art, {}, Config().scoring)
    before = [f.kind for f in audit.findings]
    assert before  # the unreferenced marker is a finding of its own

    def broken(audit, finder):
        raise KeyError("index went away")
    monkeypatch.setattr(search_step, "find_sources", broken)
    (out,) = search_sources([audit], offline, Config())
    assert [f.kind for f in out.findings] == before and out.sources == []
    assert "a.txt: the source search failed (KeyError" in caplog.text


# --- Sources named in the text of copied answer pages (the article set's form a) -----------------------

def _article(data_dir, name):
    return data_dir / "articles" / "articles" / name


def test_a_journal_named_after_the_work_is_a_cue_a_place_or_a_population_is_not():
    said = {
        "Research in the Saudi Pharmaceutical Journal shows that levetiracetam triggers psoriasis flares.":
            "Saudi Pharmaceutical Journal",
        "A report in Acta Tropica found that people living with HIV develop atypical plaques.": "Acta Tropica",
        "Leptin halves the miltefosine dose needed, according to a study in Acta Tropica.": "Acta Tropica",
        "A study in the Indian Journal of Psychological Medicine also found more hostility.":
            "Indian Journal of Psychological Medicine",
        "A study in Denmark found that most patients recover within a year.": "",
        "A trial in patients with asthma showed fewer exacerbations.": "",
    }
    assert {t: claim_cues(t).journal for t in said} == said


def test_an_answer_page_whose_sources_are_named_in_its_text_is_judged_against_its_question(data_dir, offline):
    # The page's title line is the site's name; its subject is the question, which speaks to the reader.
    audit = audit_file(_article(data_dir, "psoriasis-and-mental-health-answer.txt"), offline, Config())
    assert audit.article.subject == "Can psoriasis affect your mental health?"
    found = {s.claim_id: s for s in audit.sources if s.identified is not None}
    by_pmid = {s.identified.pmid: s.identified for s in found.values()}
    # "A study published in the Journal of Biological Chemistry found that Sestrin2 keeps AKT signalling
    # switched on in psoriatic keratinocytes": the study is of skin cancer cells.
    assert by_pmid["25378405"].verdict == "off_topic"
    assert by_pmid["26702177"].verdict == "relevant"          # the genuine psoriasis study stays clean
    off = [f for f in audit.findings if f.kind == "off_topic" and f.pmid == "25378405"]
    assert off and "identified, not given" in off[0].message
    # The site's own prompt after the answer is still set aside.
    assert any(s.text.startswith("Have a follow-up question?") for s in audit.article.set_aside)


def test_the_named_journals_clear_leader_is_the_source_meant_even_when_it_does_not_support_the_claim(
        data_dir, offline):
    audit = audit_file(_article(data_dir, "cutaneous-leishmaniasis-answer.txt"), offline, Config())
    ident = {s.identified.pmid: s.identified.verdict for s in audit.sources if s.identified is not None}
    # "In people with HIV the sores are often anergic ..., a study in Acta Tropica reported": the Acta
    # Tropica paper on anergic lesions in HIV is on dermatophytosis, not leishmaniasis.
    assert ident.get("26200786") == "off_topic"
    # A claim whose best Acta Tropica candidate does not stand clear of the next stays not identified.
    assert any(s.status == NOT_IDENTIFIED for s in audit.sources)
