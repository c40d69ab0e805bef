"""The one config loader: validation with clear errors, environment overrides, a hidden key."""
from __future__ import annotations

import copy
import dataclasses
import logging
from pathlib import Path

import pytest

from audit.config import (Config, EntrezConfig, ScoringConfig, contact_warning, load_config,
                          require_contact_email)
from audit.errors import ConfigError


def test_repository_config_loads(root_dir):
    cfg = load_config(root_dir / "config.yaml", env={})
    assert cfg.entrez.batch_size == 200 and cfg.entrez.rate() == 3.0
    assert cfg.offline_records == [str(root_dir / "examples/records")]
    assert cfg.corpus.paths == [str(root_dir / "examples/articles")]
    assert cfg.schedule.cron == "0 2 * * *" and cfg.concurrency.task_runner == "thread"


def test_the_history_is_kept_out_of_the_shared_reports_folder(root_dir):
    for cfg in (load_config(root_dir / "config.yaml", env={}), load_config(None, env={})):
        history, reports = Path(cfg.output.history_db).resolve(), Path(cfg.output.reports_dir).resolve()
        assert not history.is_relative_to(reports), (history, reports)
    assert load_config(root_dir / "config.yaml", env={}).output.history_db == str(root_dir / ".citeaudit/history.sqlite")


def test_defaults_match_the_repository_file_where_it_sets_them(root_dir):
    # config.yaml documents the defaults: the values it writes out are the built-in ones.
    shipped, built_in = load_config(root_dir / "config.yaml", env={}), load_config(None, env={})
    for section in ("entrez", "scoring", "schedule", "concurrency"):
        a, b = dataclasses.asdict(getattr(shipped, section)), dataclasses.asdict(getattr(built_in, section))
        differ = {k for k in a if a[k] != b[k] and k != "cache_path"}
        assert not differ, (section, differ)


@pytest.mark.parametrize("text,needle", [
    ("entrez:\n  batch_sise: 10\n", "unknown key entrez.batch_sise"),
    ("scoring:\n  relevant_threshold: high\n", "scoring.relevant_threshold: expected float, got 'high'"),
    ("entrez:\n  batch_size: '5'\n", "entrez.batch_size: expected int"),
    ("entrez:\n  batch_size: 0\n", "entrez.batch_size: Input should be greater than or equal to 1"),
    ("entrez:\n  prefect_rate_limit: 'yes'\n", "entrez.prefect_rate_limit: expected bool"),
    ("entrez:\n  base_url: ftp://x.org/\n", "entrez.base_url: must be an http(s) URL"),
    ("scoring:\n  off_topic_threshold: 0.5\n  relevant_threshold: 0.3\n",
     "need off_topic_threshold <= relevant_threshold"),
    ("schedule:\n  cron: every night\n", "schedule.cron: must have five fields"),
    ("schedule:\n  cron: 61 2 * * *\n", "schedule.cron: not a valid cron expression '61 2 * * *'"),
    ("schedule:\n  cron: 0 2 * 13 *\n", "not a valid cron expression"),
    ("schedule:\n  timezone: Mars/Olympus\n", "unknown time zone"),
    ("concurrency:\n  task_runner: spark\n", "concurrency.task_runner: Input should be 'thread' or 'dask'"),
    ("entrez: [1, 2]\n", "entrez: expected a mapping"),
    ("- a\n- b\n", "top level: expected a mapping"),
    ("source_path: /etc\n", "unknown key source_path"),
    ("entrez:\n  batch_size: 10\n   bad: indent\n", "not valid YAML"),
])
def test_bad_config_names_file_and_key(tmp_path, text, needle):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    assert str(exc.value).startswith(str(path)) and needle in str(exc.value)


def test_a_single_path_is_a_list_of_one(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("corpus:\n  paths: articles\noffline_records: recs\nentrez:\n  tool: 123\n")
    cfg = load_config(path, env={})
    assert cfg.corpus.paths == [str(tmp_path / "articles")] and cfg.offline_records == [str(tmp_path / "recs")]
    assert cfg.entrez.tool == "123"


def test_environment_overrides_and_key_stays_hidden(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("entrez:\n  email: a@b.org\n")
    env = {"NCBI_API_KEY": "sekrit-key-123", "CITEAUDIT_EUTILS_URL": "http://127.0.0.1:8765/entrez/eutils",
           "CITEAUDIT_CACHE": str(tmp_path / "c.sqlite")}
    cfg = load_config(path, env=env)
    assert cfg.entrez.base_url == "http://127.0.0.1:8765/entrez/eutils/"
    assert cfg.entrez.cache_path == str(tmp_path / "c.sqlite")
    assert cfg.entrez.api_key.get_secret_value() == "sekrit-key-123" and cfg.entrez.rate() == 10.0
    assert cfg.entrez.email == "a@b.org"
    for shown in (repr(cfg), str(cfg), str(cfg.to_dict()), str(cfg.entrez.api_key), f"{cfg.entrez}"):
        assert "sekrit" not in shown
    assert cfg.to_dict()["entrez"]["api_key"] == "***"
    assert cfg.to_dict(redact=False)["entrez"]["api_key"] == "sekrit-key-123"


def test_a_bad_environment_value_is_named_by_its_variable(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("entrez:\n  base_url: https://eutils.ncbi.nlm.nih.gov/entrez/eutils/\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={"CITEAUDIT_EUTILS_URL": "localhost:8000"})
    assert "entrez.base_url (from $CITEAUDIT_EUTILS_URL): must be an http(s) URL" in str(exc.value)


def test_the_key_never_appears_in_a_validation_error(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("entrez:\n  api_key: [sekrit-in-a-list]\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    assert "entrez.api_key" in str(exc.value) and "sekrit" not in str(exc.value)


def test_sections_stay_dataclasses_that_validate_on_replace():
    # Tuning grids and per-run overrides use dataclasses.replace; the copy is validated too.
    s = dataclasses.replace(ScoringConfig(), w_lexical=0.5)
    assert s.w_lexical == 0.5 and s.w_mesh == ScoringConfig().w_mesh
    with pytest.raises(ValueError):
        dataclasses.replace(ScoringConfig(), relevant_threshold=1.5)
    cfg = dataclasses.replace(Config(), entrez=dataclasses.replace(EntrezConfig(api_key="k"), cache_ttl_days=0.0))
    assert cfg.entrez.cache_ttl_days == 0.0 and cfg.entrez.rate() == 10.0
    # Tasks and workers receive copies of the config; the secret survives the copy and stays hidden.
    back = copy.deepcopy(cfg)
    assert back == cfg and back.entrez.api_key.get_secret_value() == "k" and "'k'" not in repr(back)


# --------------------------------------------------------------------------- NCBI's contact email

def _cfg(tmp_path, text: str, env: dict | None = None):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return load_config(path, env=env or {})


def test_contact_email_warned_for_ncbi_only(tmp_path):
    assert "set NCBI_EMAIL" in contact_warning(_cfg(tmp_path, "corpus:\n  paths: [a]\n").entrez)
    assert contact_warning(_cfg(tmp_path, "entrez:\n  email: me@example.org\n").entrez) is None
    assert contact_warning(_cfg(tmp_path, "", {"NCBI_EMAIL": "me@example.org"}).entrez) is None
    local = _cfg(tmp_path, "", {"CITEAUDIT_EUTILS_URL": "http://127.0.0.1:8765/entrez/eutils/"})
    assert contact_warning(local.entrez) is None


def test_nightly_against_ncbi_without_email_is_refused(tmp_path):
    bare = _cfg(tmp_path, "corpus:\n  paths: [a]\n", {"NCBI_EMAIL": ""})    # an empty variable is no address
    with pytest.raises(ConfigError) as exc:
        require_contact_email(bare)
    assert str(exc.value).startswith(str(tmp_path / "config.yaml")) and "NCBI_EMAIL" in str(exc.value)
    # Offline records, a local server, or an address: fine.
    require_contact_email(_cfg(tmp_path, "offline_records: [recs]\n"))
    require_contact_email(_cfg(tmp_path, "", {"CITEAUDIT_EUTILS_URL": "http://127.0.0.1:8765/entrez/eutils/"}))
    require_contact_email(_cfg(tmp_path, "entrez:\n  email: ' me@example.org '\n"))
    with pytest.raises(ConfigError, match="entrez.email: not an email address"):
        _cfg(tmp_path, "entrez:\n  email: nobody\n")


def test_opening_ncbi_without_email_logs_the_warning(tmp_path, caplog):
    from audit.pubmed.fetch import open_source
    cfg = _cfg(tmp_path, "", {"CITEAUDIT_CACHE": str(tmp_path / "c.sqlite")})
    with caplog.at_level(logging.WARNING, logger="citeaudit"):
        source = open_source(cfg)            # no request is made by opening
    source.cache.close()
    assert "no contact email for NCBI E-utilities" in caplog.text


def test_nightly_command_refuses_without_email_in_one_line(tmp_path, monkeypatch, capsys):
    from audit.cli import main
    monkeypatch.delenv("CITEAUDIT_EUTILS_URL", raising=False)     # the default: NCBI itself
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(f"corpus:\n  paths: [{tmp_path}]\noutput:\n  history_db: {tmp_path / 'h.sqlite'}\n")
    assert main(["nightly", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "need a contact email" in err and str(path) in err
    assert not (tmp_path / "h.sqlite").exists()            # refused before anything was written
