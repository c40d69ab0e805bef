"""The history store and content keys, without the engine, on real articles and records."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from audit.config import ScoringConfig
from audit.pubmed.fetch import OfflineSource
from audit.history import (ArticleResult, History, code_version, config_hash, content_key, diff_rows,
                           finding_rows, pack_audit, record_hash, unpack_audit)
from audit.pipeline import read_one, score_and_find
from audit.pubmed.resolve import resolve
from nightly_corpus import corpus_articles, raw_records, retract, write_corpus
from audit.pubmed.records import parse_records


@pytest.fixture(scope="module")
def audited(tmp_path_factory, data_dir):
    """The four corpus articles, resolved against the real records and scored."""
    raw = raw_records(data_dir)
    records = {p: parse_records(x, p)[0] for p, x in raw.items()}
    corpus = write_corpus(tmp_path_factory.mktemp("corpus"), corpus_articles(data_dir))
    arts = [read_one(corpus / f"{a}.md") for a in ("alpha", "bravo", "charlie", "delta")]
    src = OfflineSource(records)
    resolved = resolve(arts, src)
    audits = [score_and_find(a, r, ScoringConfig()) for a, r in resolved]
    return raw, records, resolved, audits


def _result(audit, key="k", statuses=None, scored=True):
    rows = finding_rows(audit)
    return ArticleResult(audit.article.id, audit.article.path, audit.article.sha256, key, scored, rows,
                         statuses or {r["identity"]: "new" for r in rows}, None, "rk",
                         pack_audit(audit) if scored else None)


def test_content_key_follows_article_records_config_and_code(audited):
    raw, records, resolved, _ = audited
    art, recs = resolved[1]                       # bravo cites 9627170
    sh, code = config_hash(ScoringConfig()), code_version()
    key = content_key(art, recs, sh, code)
    assert key == content_key(art, dict(recs), sh, code)
    # a retraction in PubMed changes the record, so the key
    retracted = parse_records(retract(raw["9627170"]), "r")[0]
    assert record_hash(retracted) != record_hash(records["9627170"])
    assert content_key(art, {**recs, "9627170": retracted}, sh, code) != key
    # an edited article, other thresholds, other code
    assert content_key(dataclasses.replace(art, sha256="0" * 64), recs, sh, code) != key
    assert content_key(art, recs, config_hash(ScoringConfig(relevant_threshold=0.4)), code) != key
    assert content_key(art, recs, sh, "other") != key
    # a record the article does not cite does not matter
    other = parse_records(retract(raw["9575322"]), "r")[0]
    assert content_key(art, {**recs, "9575322": other}, sh, code) == key


def test_search_key_follows_the_sources_settings_and_the_offline_record_set(tmp_path, data_dir):
    from audit.config import SourcesConfig
    from audit.history import search_key
    from nightly_corpus import write_records

    folder = write_records(tmp_path / "records", raw_records(data_dir))
    key = search_key(SourcesConfig(), [str(folder)])
    assert key == search_key(SourcesConfig(), [str(folder)])
    assert search_key(SourcesConfig(candidates=5), [str(folder)]) != key
    # Off, nothing is searched: the record set no longer matters.
    assert search_key(SourcesConfig(enabled=False), [str(folder)]) == search_key(SourcesConfig(enabled=False))
    assert search_key(SourcesConfig(enabled=False)) != search_key(SourcesConfig())
    # A changed record of the offline set (here retracted) can change the candidates: the stored search is stale.
    (folder / "9575322.xml").write_bytes(retract(raw_records(data_dir)["9575322"]))
    assert search_key(SourcesConfig(), [str(folder)]) != key


def test_finding_identity_survives_renumbering_and_is_unique(audited, tmp_path, data_dir):
    _, records, _, audits = audited
    delta = audits[3]
    rows = finding_rows(delta)
    assert rows and len({r["identity"] for r in rows}) == len(rows)
    # Insert a claim before the others: claim ids shift, identities do not.
    text = corpus_articles(data_dir)["delta"].replace("# Heart disease and viral infection\n",
                                                      "# Heart disease and viral infection\n\nAn opening remark.\n")
    p = tmp_path / "delta.md"
    p.write_text(text)
    (art, recs), = resolve([read_one(p)], OfflineSource(records))
    moved = finding_rows(score_and_find(art, recs, ScoringConfig()))
    assert {r["claim_id"] for r in moved} != {r["claim_id"] for r in rows}
    d = diff_rows(rows, moved)
    assert d["new"] == [] and d["resolved"] == [] and len(d["persisting"]) == len(rows)


def test_runs_diff_resume_and_reuse(audited, tmp_path):
    _, records, _, audits = audited
    h = History(tmp_path / "h.sqlite")
    r1 = h.begin_run("nightly", now=1000.0)
    assert r1.previous_run_id is None and not r1.resumed
    h.record_articles(r1.run_id, [_result(a) for a in audits[:2]])
    # Interrupted: the next invocation resumes the same run.
    again = h.begin_run("nightly", now=1001.0)
    assert again.run_id == r1.run_id and again.resumed and again.attempts == 2
    assert set(h.completed_articles(r1.run_id)) == {"alpha", "bravo"}
    h.record_articles(r1.run_id, [_result(a) for a in audits[2:]])
    d1 = h.finish_run(r1.run_id, {"note": 1})
    assert len(d1["new"]) == sum(len(a.findings) for a in audits) and d1["resolved"] == []

    # Run 2: 'delta' is gone, the others unchanged (reused, statuses persisting).
    r2 = h.begin_run("nightly", now=2000.0)
    assert r2.previous_run_id == r1.run_id and not r2.resumed
    prev = h.findings_by_article(r1.run_id)
    res = []
    for a in audits[:3]:
        rows = finding_rows(a)
        st = {r["identity"]: "persisting" for r in diff_rows(prev.get(a.article.id, []), rows)["persisting"]}
        res.append(_result(a, statuses=st, scored=False))
    h.record_articles(r2.run_id, res)
    d2 = h.finish_run(r2.run_id)
    assert d2["new"] == []
    assert {(r["article_id"], r["identity"]) for r in d2["resolved"]} == \
        {("delta", r["identity"]) for r in finding_rows(audits[3])}
    assert h.article_scored_counts(r2.run_id) == {"articles": 3, "scored": 0, "reused": 3}
    assert h.run(r2.run_id)["summary"]["resolved"] == len(d2["resolved"])

    # The stored audit comes back whole (without records, which the caller supplies).
    st = h.article_states(["alpha"])["alpha"]
    back = unpack_audit(h.article_audit_blob("alpha"), records)
    assert st.content_key == "k" and [f.message for f in back.findings] == [f.message for f in audits[0].findings]
    assert back.records == records

    # Pruning keeps the newest runs' findings, and the latest difference still works.
    kept = h.findings_by_article(r2.run_id)
    assert h.findings_by_article(r1.run_id)
    assert h.prune(keep_runs=1) == 1
    assert h.findings_by_article(r1.run_id) == {}
    assert h.findings_by_article(r2.run_id) == kept
    assert h.run_diff(r2.run_id)["new"] == []
    h.close()


def test_a_failed_commit_leaves_nothing_half_written(audited, tmp_path):
    _, _, _, audits = audited
    h = History(tmp_path / "h.sqlite")
    run = h.begin_run("nightly")
    good, bad = _result(audits[0]), _result(audits[3])
    bad.rows = bad.rows + [dict(bad.rows[0])]        # same identity twice: the insert fails
    with pytest.raises(sqlite3.IntegrityError):
        h.record_articles(run.run_id, [good, bad])
    assert h.completed_articles(run.run_id) == {} and h.run_findings(run.run_id) == []
    h.record_articles(run.run_id, [good])
    assert set(h.completed_articles(run.run_id)) == {"alpha"}
    h.close()


def test_parsed_articles_come_back_only_for_unchanged_bytes_and_code(tmp_path, root_dir):
    from audit.history import parse_key

    src = root_dir / "examples/articles/nsclc-targeted-therapy.md"
    path = tmp_path / "a.md"
    path.write_bytes(src.read_bytes())
    art = read_one(path)
    h = History(tmp_path / "history.sqlite")
    key = parse_key()
    h.store_parsed([(str(path), art)], key, keep=[str(path)])
    assert h.parsed_articles({str(path): art.sha256}, key) == {str(path): art}
    assert h.parsed_articles({str(path): "0" * 64}, key) == {}          # the file changed
    assert h.parsed_articles({str(path): art.sha256}, "other-code") == {}  # the reader changed
    h.store_parsed([], key, keep=[])                                     # the file left the corpus
    assert h.parsed_articles({str(path): art.sha256}, key) == {}


def test_fixing_one_of_two_metadata_findings_resolves_that_one(tmp_path, root_dir):
    from audit.config import load_config

    cfg = load_config(None, env={})
    source = OfflineSource.from_paths([root_dir / "examples/records"])
    path = tmp_path / "a.md"
    body = ("# Lung cancer\n\nCrizotinib improved survival in ALK-positive lung cancer [1].\n\n## References\n\n"
            "1. Effect of crizotinib on overall survival in patients with advanced non-small-cell lung cancer "
            "harbouring ALK gene rearrangement. {journal}. {year}. PMID: 21933749\n")
    path.write_text(body.format(journal="N Engl J Med", year=2009))
    from audit.pipeline import audit_file
    before = finding_rows(audit_file(path, source, cfg))
    meta = [r["message"] for r in before if r["kind"] == "metadata_mismatch"]
    assert len(meta) == 2 and any("year 2009" in m for m in meta) and any("journal" in m for m in meta)
    path.write_text(body.format(journal="N Engl J Med", year=2011))   # the year is corrected
    after = finding_rows(audit_file(path, source, cfg))
    d = diff_rows(before, after)
    resolved = [r for r in d["resolved"] if r["kind"] == "metadata_mismatch"]
    persisting = [r for r in d["persisting"] if r["kind"] == "metadata_mismatch"]
    assert len(resolved) == 1 and "year 2009" in resolved[0]["message"]
    assert len(persisting) == 1 and "journal" in persisting[0]["message"]
    assert not [r for r in d["new"] if r["kind"] == "metadata_mismatch"]
