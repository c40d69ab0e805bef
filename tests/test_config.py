"""The one config loader: validation with clear errors, environment overrides."""
from __future__ import annotations

import pytest

from audit.config import load_config
from audit.errors import ConfigError


def test_repository_config_loads(root_dir):
    cfg = load_config(root_dir / "config.yaml", env={})
    assert cfg.entrez.batch_size == 200 and cfg.entrez.rate() == 3.0
    assert cfg.offline_records == [str(root_dir / "examples/records")]
    assert cfg.corpus.paths == [str(root_dir / "examples/articles")]


@pytest.mark.parametrize("text,needle", [
    ("entrez:\n  batch_sise: 10\n", "unknown key entrez.batch_sise"),
    ("scoring:\n  relevant_threshold: high\n", "scoring.relevant_threshold: expected float"),
    ("schedule:\n  cron: every night\n", "schedule.cron must have five fields"),
    ("schedule:\n  timezone: Mars/Olympus\n", "unknown time zone"),
    ("concurrency:\n  task_runner: spark\n", "task_runner must be thread or dask"),
    ("entrez: [1, 2]\n", "entrez: expected a mapping"),
    ("entrez:\n  batch_size: 10\n   bad: indent\n", "not valid YAML"),
])
def test_bad_config_names_file_and_key(tmp_path, text, needle):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    assert str(path) in str(exc.value) and needle in str(exc.value)


def test_environment_overrides_and_key_stays_hidden(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("entrez:\n  email: a@b.org\n")
    env = {"NCBI_API_KEY": "sekrit-key-123", "CITEAUDIT_EUTILS_URL": "http://127.0.0.1:8765/entrez/eutils",
           "CITEAUDIT_CACHE": str(tmp_path / "c.sqlite")}
    cfg = load_config(path, env=env)
    assert cfg.entrez.base_url == "http://127.0.0.1:8765/entrez/eutils/"
    assert cfg.entrez.cache_path == str(tmp_path / "c.sqlite")
    assert cfg.entrez.api_key == "sekrit-key-123" and cfg.entrez.rate() == 10.0
    assert "sekrit" not in repr(cfg) and "sekrit" not in str(cfg.to_dict())
