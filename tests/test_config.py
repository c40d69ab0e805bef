"""The one config loader: validation with clear errors, environment overrides, a hidden key."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from audit.config import Config, EntrezConfig, ScoringConfig, load_config
from audit.errors import ConfigError


def test_repository_config_loads(root_dir):
    cfg = load_config(root_dir / "config.yaml", env={})
    assert cfg.entrez.batch_size == 200 and cfg.entrez.rate() == 3.0
    assert cfg.offline_records == [str(root_dir / "examples/records")]
    assert cfg.corpus.paths == [str(root_dir / "examples/articles")]
    assert cfg.schedule.cron == "0 2 * * *" and cfg.concurrency.task_runner == "thread"


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
    # Dask workers receive configs pickled; the secret survives the trip and stays hidden.
    back = pickle.loads(pickle.dumps(cfg))
    assert back == cfg and back.entrez.api_key.get_secret_value() == "k" and "'k'" not in repr(back)
