"""The one config loader: config.yaml -> validated, typed settings (pydantic).

Unknown keys and wrong types are errors naming the file and the key, because a
nightly job that silently ignores a mistyped threshold is worse than one that
refuses to start.  Environment variables override the file where NCBI or
deployment conventions expect them (NCBI_API_KEY, NCBI_EMAIL,
CITEAUDIT_EUTILS_URL, CITEAUDIT_CACHE); a bad value there is named by its
variable, not blamed on the file.

The sections are pydantic *dataclasses*: validated like models, but still real
dataclasses, so ``dataclasses.replace`` (tuning grids, per-run overrides),
``asdict`` and attribute access work as they always have.  Numbers and flags are
strict (``"yes"`` is not a flag, ``"5"`` is not a count); text fields take plain
numbers, as YAML reads ``tool: 123`` as an int.

The api_key is a ``SecretStr``: repr, ``str()``, ``to_dict()`` and validation
errors show ``**********``; code that sends it calls ``get_secret_value()``.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BeforeValidator, ConfigDict, Field, SecretStr, Strict, TypeAdapter, ValidationError
from pydantic import field_validator, model_validator
from pydantic.dataclasses import dataclass

from audit.errors import ConfigError

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"

# Environment variable -> (section, key) it overrides.
ENV_OVERRIDES = {
    "CITEAUDIT_EUTILS_URL": ("entrez", "base_url"),
    "CITEAUDIT_CACHE": ("entrez", "cache_path"),
    "NCBI_API_KEY": ("entrez", "api_key"),
    "NCBI_EMAIL": ("entrez", "email"),
    "CITEAUDIT_CROSSREF_URL": ("crossref", "base_url"),
    "CROSSREF_MAILTO": ("crossref", "mailto"),
    "CITEAUDIT_CROSSREF_CACHE": ("crossref", "cache_path"),
}
# CITEAUDIT_CROSSREF=off (or 0/false/no) turns Crossref off (the test suite does, unless a test starts the stand-in).
CROSSREF_SWITCH = "CITEAUDIT_CROSSREF"
CROSSREF_API = "https://api.crossref.org/"

_SECTION = ConfigDict(extra="forbid", coerce_numbers_to_str=True)
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]     # strict floats still take ints (``timeout: 30``)
Bool = Annotated[bool, Strict()]


# ``scheme://user:password@host``: what follows the first colon of the user part, up to the "@".
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]*@")


def mask_url_credentials(text: str) -> str:
    """Any password written in a URL (``http://user:PASS@host/``) shown as ``***``, wherever a URL is printed."""
    return _URL_PASSWORD.sub(r"\1***@", str(text))


def _one_or_many(value: Any) -> Any:
    # ``paths: examples/articles`` means a list of one.
    return [value] if isinstance(value, str) else value


Paths = Annotated[list[str], BeforeValidator(_one_or_many)]


@dataclass(config=_SECTION)
class EntrezConfig:
    base_url: str = NCBI_EUTILS
    tool: str = "citeaudit"
    email: str = ""
    api_key: SecretStr = SecretStr("")  # never printed: repr, str and errors show ******
    batch_size: Annotated[Int, Field(ge=1, le=10000)] = 200   # PMIDs per efetch POST
    history_threshold: Annotated[Int, Field(ge=1)] = 1000     # above this many PMIDs, go through epost/WebEnv
    citmatch_batch: Annotated[Int, Field(ge=1)] = 50
    requests_per_second: Annotated[Float, Field(ge=0)] = 0.0  # 0: NCBI's cap, 3 without a key, 10 with
    timeout: Annotated[Float, Field(gt=0)] = 30.0    # seconds between two reads of one answer
    max_retries: Annotated[Int, Field(ge=0)] = 5
    backoff_base: Annotated[Float, Field(ge=0)] = 0.5
    backoff_max: Annotated[Float, Field(ge=0)] = 30.0
    # Hard limits: a hostile or broken server must not hold a run forever or fill memory.
    request_deadline: Annotated[Float, Field(gt=0)] = 120.0     # wall-clock seconds for one request, body included
    call_deadline: Annotated[Float, Field(gt=0)] = 300.0        # wall-clock seconds for one call: every attempt and wait
    retry_after_max: Annotated[Float, Field(ge=0)] = 60.0       # a longer Retry-After is waited as this
    retry_wait_per_call: Annotated[Float, Field(ge=0)] = 300.0  # seconds of retry waits for one call; then it fails
    retry_wait_per_run: Annotated[Float, Field(ge=0)] = 1800.0  # seconds of retry waits for one run; then no retries
    max_inflated_mb: Annotated[Float, Field(gt=0)] = 512.0      # ceiling on an answer or records file after gunzip
    cache_path: str = "~/.cache/citeaudit/records.sqlite"
    cache_ttl_days: Annotated[Float, Field(ge=0)] = 7.0
    concurrency_limit_name: str = "ncbi-eutils"  # Prefect global concurrency limit
    # Also hold every request to that Prefect limit: for flows spread over several
    # workers (Dask), where a per-process limiter alone would multiply the rate.
    prefect_rate_limit: Bool = False
    # A service (endpoint) that gives this many unusable answers, or failed calls, in a row is not
    # asked again in the run (audit/pubmed/budget.py); 0: never stop asking.
    breaker_after: Annotated[Int, Field(ge=0)] = 3
    search_cache_ttl_days: Annotated[Float, Field(ge=0)] = 7.0  # ESearch answers kept beside the records

    @field_validator("email")
    @classmethod
    def _address(cls, v: str) -> str:
        v = v.strip()
        if v and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
            raise ValueError(f"not an email address: {v!r}")
        return v

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        try:                      # "http://[::1" or a port that is not a number: refused here, not mid-run
            parts = urlsplit(v)
            host, _ = parts.hostname, parts.port
        except ValueError as exc:
            raise ValueError(f"not a valid URL ({exc})") from None
        if not host:
            raise ValueError("must name a host")
        return v if v.endswith("/") else v + "/"

    def max_inflated_bytes(self) -> int:
        return int(self.max_inflated_mb * 1024 * 1024)

    def rate(self) -> float:
        if self.requests_per_second > 0:
            return self.requests_per_second
        return 10.0 if self.api_key.get_secret_value() else 3.0


@dataclass(config=_SECTION)
class ScoringConfig:
    # Weights of the claim <-> source signals and the off_topic threshold: what
    # `python -m bench.evaluation.evaluate tune` picks on SciFact train (it writes them to config.yaml).
    # w_mesh weighs MeSH tree relatedness (audit/scoring/subject.py) found in the texts (SciFact has no MeSH).
    w_lexical: Float = 0.6
    w_mesh: Float = 0.1
    w_title: Float = 0.15
    # Thresholds on the combined relevance.
    relevant_threshold: Annotated[Float, Field(ge=0, le=1)] = 0.35
    off_topic_threshold: Annotated[Float, Field(ge=0, le=1)] = 0.18
    # Claim <-> subject drift: below this the claim has left the subject.
    drift_threshold: Annotated[Float, Field(ge=0, le=1)] = 0.5
    # Penalty applied when the source names another site/disease/species.
    conflict_penalty: Float = 0.6
    extra: dict = field(default_factory=dict)
    # Added for audit/score.py (defaults tuned on SciFact train claims, see audit/evaluate.py).
    w_bigram: Float = 0.2            # weight of claim word pairs found in the source
    squash_slope: Float = 10.0       # logistic map of the weighted sum onto 0..1
    squash_mid: Float = 0.25         # (slope and mid tuned on SciFact train: python -m bench.evaluation.evaluate scifact --split train)
    drift_site_penalty: Float = 0.6  # claim names another organ than the subject
    drift_disease_penalty: Float = 0.6   # another disease or tumour type: drifts by itself
    drift_species_penalty: Float = 0.6  # an animal model where the subject is about people
    drift_age_penalty: Float = 0.55     # children where the subject is about adults, or the reverse
    # Subjects from MeSH (audit/scoring/subject.py): two diseases conflict unless one is an ancestor of
    # the other or they share a tree branch this many levels deep.  Chosen on the training pairs of
    # `citeaudit eval topic` (`citeaudit eval topic --tune` writes them to config.yaml).
    mesh_depth: Annotated[Int, Field(ge=1)] = 5
    mesh_depth_site: Annotated[Int, Field(ge=1)] = 7      # neoplasms by site (C04.588), filed organ by organ
    mesh_depth_organism: Annotated[Int, Field(ge=1)] = 7  # species: humans and mice meet at depth 6, sheep and goats at 8
    # A source sharing few words with the claim is off topic with high severity only when its MeSH
    # relatedness to the claim (audit/scoring/subject.py) is below this; otherwise "check" (medium).
    unrelated_below: Annotated[Float, Field(ge=0, le=1)] = 0.25
    # Records with a title and no abstract (in-process citations) share few words with any claim: below
    # this, not off_topic_threshold, such a source is off topic.
    off_topic_threshold_title: Annotated[Float, Field(ge=0, le=1)] = 0.05
    # Optional semantic signal (the `semantic` extra, audit/semantic.py): off by default, and when off
    # the scores are exactly the lexical ones.  Weight and midpoint tuned on SciFact train.
    semantic: Bool = False
    w_semantic: Float = 1.5          # weight of the embedding cosine in the weighted sum
    semantic_mid: Float = 0.5        # cosine that adds nothing (above raises, below lowers)
    # With semantic on and word-piece vectors attached: relevance is the logistic of
    # late_bias + late_w_maxsim * MaxSim + late_w_weakest * weakest match + late_w_coverage * lexical coverage,
    # fitted on SciFact train (python -m bench.evaluation.evaluate tune --semantic).  Lexical coverage weighs
    # against: MaxSim already counts shared words, and words shared without shared meaning mark the
    # near-miss abstracts a keyword search also finds.  False: the sentence cosine above instead.
    late_interaction: Bool = True
    # The stance step (audit/scoring/stance.py): does the source support or contradict the claim?
    # Runs after relevance when scoring.semantic is on (it needs the sentence vectors).
    stance: Bool = True
    late_bias: Float = -10.91
    late_w_maxsim: Float = 16.28
    late_w_weakest: Float = 4.19
    late_w_coverage: Float = -4.29

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> "ScoringConfig":
        if self.off_topic_threshold > self.relevant_threshold:
            raise ValueError("need off_topic_threshold <= relevant_threshold")
        return self


@dataclass(config=_SECTION)
class CorpusConfig:
    paths: Paths = field(default_factory=lambda: ["examples/articles"])
    manifest: str = ""
    # A nightly whose corpus has fewer articles than the last complete run by more than this
    # share (a mount missing, a glob gone stale) is degraded: it resolves nothing (audit/changes.py).
    max_shrink: Annotated[Float, Field(ge=0, le=1)] = 0.5


@dataclass(config=_SECTION)
class OutputConfig:
    reports_dir: str = "out"
    # Not inside reports_dir: that folder is shared with workers and readers; the history is
    # the job's own state (and a reader who can write it could change what the next run reports).
    history_db: str = ".citeaudit/history.sqlite"


@dataclass(config=_SECTION)
class ReadingConfig:
    # Hard limits on one article file, so one hostile or mistaken file cannot take the
    # run's time or memory: past them the file is bad input naming file and line.
    max_bytes: Annotated[Int, Field(ge=1000)] = 10_000_000   # the file's size (a long JATS review is ~1 MB)
    max_depth: Annotated[Int, Field(ge=20)] = 400            # element nesting in HTML and XML (pages stay under ~60)
    # HTML pages with no <main>/<article>: which boilerplate-removal library judges the content,
    # measured by python -m bench.bench_reading (audit/reading/boilerplate.py).
    boilerplate: Literal["justext", "trafilatura", "trafilatura-default", "trafilatura-recall", "readability",
                         "none"] = "justext"
    # A reference-manager export read as the reference list of the articles (citeaudit audit --references).
    references: str | None = None


@dataclass(config=_SECTION)
class ScheduleConfig:
    cron: str = "0 2 * * *"
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        # cronsim is what Prefect's scheduler stack ships (via pydocket); five fields only,
        # as a deployment's CronSchedule takes them (no seconds field, no @daily).
        from cronsim import CronSim, CronSimError
        if len(v.split()) != 5:
            raise ValueError(f"must have five fields (minute hour day month weekday), got {v!r}")
        try:
            CronSim(v, datetime(2020, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"not a valid cron expression {v!r}: {exc}") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo
        try:
            ZoneInfo(v)
        except Exception:
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


@dataclass(config=_SECTION)
class ConcurrencyConfig:
    task_runner: Literal["thread", "dask"] = "thread"
    workers: Annotated[Int, Field(ge=1)] = 4
    dask_address: str = ""           # empty: a LocalCluster


@dataclass(config=_SECTION)
class SourcesConfig:
    """Looking for the source of a claim with no reference entry, and for replacements (audit.sources)."""
    enabled: Bool = True
    candidates: Annotated[Int, Field(ge=1)] = 3     # shown per claim
    pubmed_retmax: Annotated[Int, Field(ge=1)] = 20  # PMIDs asked of each ESearch (online only)
    local_limit: Annotated[Int, Field(ge=1)] = 30    # records taken from each local-index query
    # ESearch/ECitMatch requests the search may send (0: no limit), spent on unreferenced claims first,
    # then contradicted or off-topic citations, then weak ones; record look-ups are not counted here.
    requests_per_article: Annotated[Int, Field(ge=0)] = 3
    requests_per_run: Annotated[Int, Field(ge=0)] = 10000
    # A claim that names its journal (or first author) and whose best candidate matches that cue is
    # identified with less support than a supporting one needs, when the candidate leads the next by this
    # factor: a source cited for what it does not say still is the source meant (and is then judged).
    named_source_support: Annotated[Float, Field(ge=0, le=1)] = 0.2
    named_source_lead: Annotated[Float, Field(ge=1)] = 1.5


@dataclass(config=_SECTION)
class CrossrefConfig:
    """Crossref's REST API as a second record source (audit/crossref): DOIs PubMed does not hold, notices."""
    enabled: Bool = True                 # ask Crossref in runs that ask NCBI
    with_offline_records: Bool = False   # also beside --offline-records (offline runs stay offline without it)
    base_url: str = CROSSREF_API
    mailto: str = ""                     # Crossref's polite pool: a contact address in the User-Agent
    # Pace: what Crossref's answers announce (x-ratelimit-limit / x-ratelimit-interval, x-concurrency-limit),
    # starting, before the first answer, at its documented pool limits (public 5/s and 1 at a time; polite 10/s
    # and 3); a value here above 0 caps the rate below what is announced.
    requests_per_second: Annotated[Float, Field(ge=0)] = 0.0
    timeout: Annotated[Float, Field(gt=0)] = 30.0
    request_deadline: Annotated[Float, Field(gt=0)] = 60.0
    max_retries: Annotated[Int, Field(ge=0)] = 4
    backoff_base: Annotated[Float, Field(ge=0)] = 0.5
    backoff_max: Annotated[Float, Field(ge=0)] = 30.0
    retry_after_max: Annotated[Float, Field(ge=0)] = 60.0
    retry_wait_per_run: Annotated[Float, Field(ge=0)] = 600.0
    max_answer_mb: Annotated[Float, Field(gt=0)] = 32.0
    search_rows: Annotated[Int, Field(ge=1, le=100)] = 5      # works asked of each query.bibliographic
    cache_path: str = "~/.cache/citeaudit/crossref.sqlite"
    cache_ttl_days: Annotated[Float, Field(ge=0)] = 7.0

    @field_validator("mailto")
    @classmethod
    def _mail(cls, v: str) -> str:
        return EntrezConfig._address(v)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return v if v.endswith("/") else v + "/"


@dataclass(config=_SECTION)
class NoticesConfig:
    # The Retraction Watch database (CSV, distributed by Crossref); the nightly reads it afresh each run.
    retraction_watch: str = ""


@dataclass(config=_SECTION)
class MirrorConfig:
    """A local PubMed mirror (audit/pubmed/mirror.py, loaded by ``citeaudit mirror load``).

    With a path, audits and the source search read records from it; E-utilities are asked only for
    PMIDs above the mirror's highest (newer than its last file).
    """
    path: str = ""


@dataclass(config=_SECTION)
class Config:
    entrez: EntrezConfig = field(default_factory=EntrezConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    reading: ReadingConfig = field(default_factory=ReadingConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    concurrency: ConcurrencyConfig = field(default_factory=ConcurrencyConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    crossref: CrossrefConfig = field(default_factory=CrossrefConfig)
    notices: NoticesConfig = field(default_factory=NoticesConfig)
    mirror: MirrorConfig = field(default_factory=MirrorConfig)
    offline_records: Paths = field(default_factory=list)
    source_path: str = ""            # the file this came from, for messages (not a key of the file)

    def to_dict(self, redact: bool = True) -> dict:
        d = dataclasses.asdict(self)
        key = self.entrez.api_key.get_secret_value()
        d["entrez"]["api_key"] = ("***" if key else "") if redact else key
        if redact:
            d["entrez"]["base_url"] = mask_url_credentials(d["entrez"]["base_url"])
        return d


_CONFIG = TypeAdapter(Config)


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without aliases: ``*name`` is refused where it is met, before anything is built.

    A YAML alias is a reference, so nine nested levels of ten aliases in a
    1 KB file stand for 10**9 values; the loader shares them, but validation
    walks each one (a 1.2 KB bomb took 3.7 GB).  A config has no use for them.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(problem=f"YAML aliases (*{event.anchor}) are not accepted in a "
                                               "config file; write the value out", problem_mark=event.start_mark)
        return super().compose_node(parent, index)


# --------------------------------------------------------------------------- NCBI's contact rule

def talks_to_ncbi(entrez: EntrezConfig) -> bool:
    """True when requests go to NCBI itself, not to a local or test E-utilities server."""
    host = (urlsplit(entrez.base_url).hostname or "").lower()
    return host == "ncbi.nlm.nih.gov" or host.endswith(".ncbi.nlm.nih.gov")


def contact_warning(entrez: EntrezConfig) -> str | None:
    """The warning for E-utilities calls to NCBI without a contact address, or None.

    NCBI asks every E-utilities user for an email so it can write before it
    blocks an address that misbehaves; a local server needs none.
    """
    if talks_to_ncbi(entrez) and not entrez.email:
        return ("no contact email for NCBI E-utilities: set NCBI_EMAIL or entrez.email "
                "(NCBI writes there before blocking an address)")
    return None


def require_contact_email(cfg: Config) -> None:
    """Refuse a nightly run against NCBI itself without a contact email.

    An unattended job that hammers NCBI anonymously is the case NCBI blocks;
    offline records and a local E-utilities server (CITEAUDIT_EUTILS_URL) need none.
    """
    if cfg.offline_records or contact_warning(cfg.entrez) is None:
        return
    raise ConfigError(cfg.source_path or "built-in config",
                      "nightly runs against NCBI need a contact email: set NCBI_EMAIL or entrez.email")


def _message(err: dict, path: str, env_keys: dict[tuple, str]) -> str:
    """One line for one pydantic error: the key, what is wrong, what was given (never a secret)."""
    loc = tuple(str(x) for x in err["loc"])
    key = ".".join(loc) or "top level"
    kind = err["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown key {key}"
    if kind in ("dataclass_type", "dataclass_exact_type", "dict_type"):
        return f"{key}: expected a mapping, got {type(err['input']).__name__}"
    if kind == "value_error":
        msg = mask_url_credentials(str(err["ctx"]["error"]))
    else:
        expected = {"float": "float", "int": "int", "bool": "bool", "string": "str", "list": "list"}
        prefix = kind.split("_")[0]
        msg = (f"expected {expected[prefix]}" if kind.endswith(("_type", "_parsing")) and prefix in expected
               else err["msg"])
        if "api_key" not in loc:
            msg += f", got {mask_url_credentials(repr(err['input']))}"
    source = env_keys.get(loc[:2])
    return f"{key} (from ${source}): {msg}" if source else f"{key}: {msg}"


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
            data = yaml.load(p.read_text(encoding="utf-8"), Loader=_NoAliasLoader) or {}
        except UnicodeDecodeError as exc:
            raise ConfigError(spath, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise ConfigError(spath, f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                              line + 1 if line is not None else None) from None
    if not isinstance(data, dict):
        raise ConfigError(spath, f"top level: expected a mapping, got {type(data).__name__}")
    if "source_path" in data:
        raise ConfigError(spath, "unknown key source_path")
    # Environment overrides go in before validation, so they are checked like the file.
    env_keys: dict[tuple, str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            if data.get(section) is None:
                data[section] = {}
            if isinstance(data[section], dict):
                data[section][key] = env[var]
                env_keys[(section, key)] = var
    if str(env.get(CROSSREF_SWITCH, "")).strip().lower() in ("0", "off", "false", "no"):
        if not isinstance(data.get("crossref"), dict):
            data["crossref"] = {}
        data["crossref"]["enabled"] = False
    try:
        cfg = _CONFIG.validate_python(data)
    except ValidationError as exc:
        raise ConfigError(spath or "built-in config", _message(exc.errors()[0], spath, env_keys)) from None
    cfg.source_path = spath
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
        cfg.notices.retraction_watch = rel(cfg.notices.retraction_watch)
        cfg.mirror.path = rel(cfg.mirror.path)
        if "CITEAUDIT_CROSSREF_CACHE" not in env_keys.values():
            cfg.crossref.cache_path = rel(cfg.crossref.cache_path)
        if "CITEAUDIT_CACHE" not in env_keys.values():
            cfg.entrez.cache_path = rel(cfg.entrez.cache_path)
    cfg.entrez.cache_path = os.path.expanduser(cfg.entrez.cache_path)
    cfg.crossref.cache_path = os.path.expanduser(cfg.crossref.cache_path)
    cfg.mirror.path = os.path.expanduser(cfg.mirror.path)
    return cfg
