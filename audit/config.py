"""The one config loader: config.yaml -> validated, typed settings.

Unknown keys and wrong types are errors naming the file and the key, because a
nightly job that silently ignores a mistyped threshold is worse than one that
refuses to start.  Environment variables override the file where NCBI or
deployment conventions expect them (NCBI_API_KEY, NCBI_EMAIL,
CITEAUDIT_EUTILS_URL, CITEAUDIT_CACHE).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from audit.errors import ConfigError

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


@dataclass
class EntrezConfig:
    base_url: str = NCBI_EUTILS
    tool: str = "citeaudit"
    email: str = ""
    api_key: str = field(default="", repr=False)  # never printed with the config
    batch_size: int = 200            # PMIDs per efetch POST
    history_threshold: int = 1000    # above this many PMIDs, go through epost/WebEnv
    citmatch_batch: int = 50
    requests_per_second: float = 0.0  # 0: NCBI's cap, 3 without a key, 10 with
    timeout: float = 30.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    cache_path: str = "~/.cache/citeaudit/records.sqlite"
    cache_ttl_days: float = 7.0
    concurrency_limit_name: str = "ncbi-eutils"  # Prefect global concurrency limit
    # Also hold every request to that Prefect limit: for flows spread over several
    # workers (Dask), where a per-process limiter alone would multiply the rate.
    prefect_rate_limit: bool = False

    def rate(self) -> float:
        if self.requests_per_second > 0:
            return self.requests_per_second
        return 10.0 if self.api_key else 3.0


@dataclass
class ScoringConfig:
    # Weights of the claim <-> source signals.
    w_lexical: float = 0.45
    w_mesh: float = 0.35
    w_title: float = 0.20
    # Thresholds on the combined relevance.
    relevant_threshold: float = 0.35
    off_topic_threshold: float = 0.15
    # Claim <-> subject drift: below this the claim has left the subject.
    drift_threshold: float = 0.5
    # Penalty applied when the source names another site/disease/species.
    conflict_penalty: float = 0.6
    extra: dict = field(default_factory=dict)
    # Added for audit/score.py (defaults tuned on SciFact train claims, see audit/evaluate.py).
    w_bigram: float = 0.2            # weight of claim word pairs found in the source
    squash_slope: float = 10.0       # logistic map of the weighted sum onto 0..1
    squash_mid: float = 0.25         # (slope and mid tuned on SciFact train: python -m audit.evaluation.evaluate scifact --split train)
    drift_site_penalty: float = 0.6  # claim names another organ than the subject
    drift_disease_penalty: float = 0.5
    drift_species_penalty: float = 0.6  # an animal model where the subject is about people
    drift_age_penalty: float = 0.55     # children where the subject is about adults, or the reverse
    # Optional semantic signal (the `semantic` extra, audit/semantic.py): off by default, and when off
    # the scores are exactly the lexical ones.  Weight and midpoint tuned on SciFact train.
    semantic: bool = False
    w_semantic: float = 1.5          # weight of the embedding cosine in the weighted sum
    semantic_mid: float = 0.5        # cosine that adds nothing (above raises, below lowers)
    # With semantic on and word-piece vectors attached: relevance is the logistic of
    # late_bias + late_w_maxsim * MaxSim + late_w_weakest * weakest match + late_w_coverage * lexical coverage,
    # fitted on SciFact train (python -m audit.evaluation.evaluate tune --semantic).  Lexical coverage weighs
    # against: MaxSim already counts shared words, and words shared without shared meaning mark the
    # near-miss abstracts a keyword search also finds.  False: the sentence cosine above instead.
    late_interaction: bool = True
    # The stance step (audit/scoring/stance.py): does the source support or contradict the claim?
    # Runs after relevance when scoring.semantic is on (it needs the sentence vectors).
    stance: bool = True
    late_bias: float = -10.91
    late_w_maxsim: float = 16.28
    late_w_weakest: float = 4.19
    late_w_coverage: float = -4.29


@dataclass
class CorpusConfig:
    paths: list[str] = field(default_factory=lambda: ["examples/articles"])
    manifest: str = ""


@dataclass
class OutputConfig:
    reports_dir: str = "out"
    history_db: str = "out/history.sqlite"


@dataclass
class ScheduleConfig:
    cron: str = "0 2 * * *"
    timezone: str = "UTC"


@dataclass
class ConcurrencyConfig:
    task_runner: str = "thread"      # thread | dask
    workers: int = 4
    dask_address: str = ""           # empty: a LocalCluster


@dataclass
class Config:
    entrez: EntrezConfig = field(default_factory=EntrezConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    concurrency: ConcurrencyConfig = field(default_factory=ConcurrencyConfig)
    offline_records: list[str] = field(default_factory=list)
    source_path: str = ""            # the file this came from, for messages

    def to_dict(self, redact: bool = True) -> dict:
        d = dataclasses.asdict(self)
        if redact and d["entrez"].get("api_key"):
            d["entrez"]["api_key"] = "***"
        return d


def _coerce(value: Any, typ: Any, where: str, path: str) -> Any:
    origin = getattr(typ, "__origin__", None)
    if typ is bool:
        if isinstance(value, bool):
            return value
    elif typ is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif typ is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif typ is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    elif origin is list or typ is list:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    elif origin is dict or typ is dict:
        if isinstance(value, dict):
            return dict(value)
    name = getattr(typ, "__name__", str(typ))
    raise ConfigError(path, f"{where}: expected {name}, got {value!r}")


def _build(cls: type, data: Any, where: str, path: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(path, f"{where or 'top level'}: expected a mapping, got {type(data).__name__}")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)} - {"source_path"}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(path, f"unknown key {where + '.' if where else ''}{unknown[0]} "
                                f"(known: {', '.join(sorted(names))})")
    kwargs = {}
    for key, value in data.items():
        typ = hints[key]
        sub = f"{where}.{key}" if where else key
        if dataclasses.is_dataclass(typ):
            kwargs[key] = _build(typ, value, sub, path)
        else:
            kwargs[key] = _coerce(value, typ, sub, path)
    return cls(**kwargs)


def _validate(cfg: Config, path: str) -> None:
    e, s = cfg.entrez, cfg.scoring
    checks = [
        (e.batch_size >= 1 and e.batch_size <= 10000, "entrez.batch_size must be 1..10000"),
        (e.requests_per_second >= 0, "entrez.requests_per_second must be >= 0"),
        (e.max_retries >= 0, "entrez.max_retries must be >= 0"),
        (e.cache_ttl_days >= 0, "entrez.cache_ttl_days must be >= 0"),
        (e.base_url.startswith(("http://", "https://")), "entrez.base_url must be an http(s) URL"),
        (0 <= s.off_topic_threshold <= s.relevant_threshold <= 1,
         "scoring: need 0 <= off_topic_threshold <= relevant_threshold <= 1"),
        (0 <= s.drift_threshold <= 1, "scoring.drift_threshold must be 0..1"),
        (cfg.concurrency.task_runner in ("thread", "dask"), "concurrency.task_runner must be thread or dask"),
        (cfg.concurrency.workers >= 1, "concurrency.workers must be >= 1"),
        (len(cfg.schedule.cron.split()) == 5, "schedule.cron must have five fields"),
    ]
    for ok, msg in checks:
        if not ok:
            raise ConfigError(path, msg)
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(cfg.schedule.timezone)
    except Exception:
        raise ConfigError(path, f"schedule.timezone: unknown time zone {cfg.schedule.timezone!r}")


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> Config:
    """Read config.yaml (or defaults when path is None), then the environment."""
    env = os.environ if env is None else env
    data: Any = {}
    spath = str(path) if path else ""
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(spath, "config file not found")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise ConfigError(spath, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                              line + 1 if line is not None else None)
    cfg = _build(Config, data, "", spath)
    cfg.source_path = spath
    if env.get("CITEAUDIT_EUTILS_URL"):
        cfg.entrez.base_url = env["CITEAUDIT_EUTILS_URL"]
    if env.get("CITEAUDIT_CACHE"):
        cfg.entrez.cache_path = env["CITEAUDIT_CACHE"]
    if env.get("NCBI_API_KEY"):
        cfg.entrez.api_key = env["NCBI_API_KEY"]
    if env.get("NCBI_EMAIL"):
        cfg.entrez.email = env["NCBI_EMAIL"]
    if not cfg.entrez.base_url.endswith("/"):
        cfg.entrez.base_url += "/"
    # Relative paths in the file are relative to the file, so a config can travel with its corpus.
    if spath:
        base = Path(spath).resolve().parent
        def rel(x: str) -> str:
            x = os.path.expanduser(x)
            return x if os.path.isabs(x) or not x else str(base / x)
        cfg.corpus.paths = [rel(x) for x in cfg.corpus.paths]
        cfg.corpus.manifest = rel(cfg.corpus.manifest)
        cfg.output.reports_dir = rel(cfg.output.reports_dir)
        cfg.output.history_db = rel(cfg.output.history_db)
        cfg.offline_records = [rel(x) for x in cfg.offline_records]
        if "CITEAUDIT_CACHE" not in env:
            cfg.entrez.cache_path = rel(cfg.entrez.cache_path)
    cfg.entrez.cache_path = os.path.expanduser(cfg.entrez.cache_path)
    _validate(cfg, spath)
    return cfg
