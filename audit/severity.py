"""The one rule set that decides how severe a finding is.

Every finding is made with ``Finding(kind, severity_of(kind, **facts), ...)``: the facts are what
the rule for that kind needs (how a reference's year differs, whether a Crossref work is a
preprint, ...).  A kind with no rule here takes the registry's default (audit/finding_kinds.py),
and is given no facts: a fact passed to a kind that has no use for it is a mistake, refused.

The scorer's verdict on a claim–source pair carries a severity of its own (``Pair.severity``:
how sure an off-topic call is, or that a matching source is to be checked); ``pair_severity``
decides it from the facts the scorer found, and the ``off_topic`` finding takes it over.

The severities are the registry's; no other module writes one (tests/test_severity.py checks).
Pure functions.
"""
from __future__ import annotations

from typing import Callable, Iterable

from audit.finding_kinds import SEVERITIES, kind

HIGH, MEDIUM, LOW = SEVERITIES
NONE = ""                    # a pair with nothing to flag beyond its verdict

# How a source was found to miss the claim or the article's subject (scoring/score.py, score_pair).
SUBJECT = "subject"          # another disease or tumour type (MeSH)
HOST = "host"                # another species, age group or body part, and few of the claim's words
FEW_WORDS = "few_words"      # few of the claim's key terms, no conflict named
CHECK = "check"              # another species, age group or body part on a source that matches the words
CONFLICTS = (SUBJECT, HOST, FEW_WORDS, CHECK)

STRONG_DRIFT_AXES = frozenset({"disease", "histology"})   # a claim on another disease is a strong sign
METADATA_FIELDS = ("year", "journal", "title")


def default(name: str) -> str:
    """The registry's severity of a kind (UnknownKind for a kind it does not define)."""
    return kind(name).severity


def pair_severity(conflict: str, *, close: bool = False, title_only: bool = False,
                  unrelated: bool = False) -> str:
    """The severity a pair's verdict carries ("" for none).

    ``close``: the source matches the claim's words and its MeSH subject is near the claim's (a
    subject conflict there may be the vocabulary's mistake); ``title_only``: the source is judged
    from its title alone; ``unrelated``: both subjects are recognised and far apart in the MeSH tree.
    """
    if conflict == SUBJECT:
        return MEDIUM if close else HIGH
    if conflict == HOST:
        return MEDIUM if title_only else HIGH
    if conflict == FEW_WORDS:
        # Few shared words alone is a weaker sign than a subject conflict.
        return HIGH if unrelated and not title_only else MEDIUM
    if conflict == CHECK:
        return MEDIUM
    raise ValueError(f"unknown conflict {conflict!r} (one of {', '.join(CONFLICTS)})")


def asks_check(severity: str) -> bool:
    """A pair the reviewer is asked to check rather than told is wrong: its explanation says "check: "."""
    return severity == MEDIUM


def _off_topic(*, pair: str | None = None, drift_axes: Iterable[str] | None = None) -> str:
    if (pair is None) == (drift_axes is None):
        raise TypeError("off_topic: give the pair's severity or the drift's axes, one of them")
    if drift_axes is not None:
        # Another disease or tumour type is a strong sign; another species or age group alone needs a look.
        return HIGH if STRONG_DRIFT_AXES & set(drift_axes) else MEDIUM
    return pair or default("off_topic")       # an off-topic verdict with no severity of its own: high


def _retracted(*, notice_only: bool = False) -> str:
    # A retraction notice cited as a source is a mistake to look at, not a retracted study.
    return MEDIUM if notice_only else HIGH


def _metadata_mismatch(*, field: str, year_gap: int = 0) -> str:
    if field == "year":
        return LOW if abs(year_gap) == 1 else MEDIUM     # online-first and print years often differ by one
    if field == "title":
        return HIGH                                      # the identifier may point to another paper
    if field == "journal":
        return MEDIUM
    raise ValueError(f"unknown metadata field {field!r} (one of {', '.join(METADATA_FIELDS)})")


def _not_in_pubmed(*, preprint: bool = False) -> str:
    return MEDIUM if preprint else LOW                   # a preprint is not peer reviewed


_RULES: dict[str, Callable[..., str]] = {
    "off_topic": _off_topic,
    "retracted": _retracted,
    "metadata_mismatch": _metadata_mismatch,
    "not_in_pubmed": _not_in_pubmed,
}
RULED_KINDS = frozenset(_RULES)


def severity_of(name: str, **facts) -> str:
    """The severity of a finding of kind ``name`` given the facts its rule needs."""
    rule = _RULES.get(name)
    if rule is None:
        if facts:
            raise TypeError(f"{name}: its severity is the registry's default; no facts ({', '.join(facts)})")
        return default(name)
    return rule(**facts)
