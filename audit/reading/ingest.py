"""Article files in, ``Article``s out: the steps that are the same whatever the format.

Which files are articles (``article_paths``: named, or found in folders by the suffixes
the registry knows), reading a file's bytes within ``reading.max_bytes`` and never through
a link that leaves the corpus (``links``), its sha256, the format's reader (chosen and
run by the registry, ``audit.reading.formats``), and with ``--references`` the export
as every article's reference list (``formats.refexport``).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from audit.config import ReadingConfig
from audit.errors import BadInputError
from audit.models import Article
from audit.reading import formats, links
from audit.reading.formats import article_id
from audit.reading.formats.refexport import link_export, read_export

__all__ = ["article_id", "article_paths", "file_sha256", "read_article", "read_article_bytes", "read_articles",
           "read_articles_bytes"]


def article_paths(paths: list[str | Path], roots: list[str | Path] | None = None) -> list[Path]:
    """Article files named or found (recursively) in folders, sorted, hidden ones skipped.

    A file named explicitly is kept whatever its suffix, so that reading it
    reports why it cannot be read instead of the run silently skipping it.
    Links are followed only into ``roots`` (default: the folders given, a
    named file's folder); one pointing elsewhere is listed as itself, set
    aside (``audit.reading.links``).
    """
    inside = links.roots_of(roots if roots is not None else paths)
    known = formats.suffixes()
    out: set[Path] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in p.rglob("*"):
                rel = f.relative_to(p).parts
                if any(part.startswith(".") for part in rel):
                    continue
                article = f.is_file() and f.suffix.lower() in known
                # A link to a folder, or a dangling one, is judged too; one to a non-article file is not.
                if not article and not (f.is_symlink() and not f.is_file()):
                    continue
                chosen = links.choose(f, inside)
                if chosen is not None:
                    out.add(chosen)
        elif p.is_file() or p.is_symlink():
            chosen = links.choose(p, inside)
            if chosen is not None:
                out.add(chosen)
        else:
            raise BadInputError(str(p), "no such file or folder")
    return sorted(out)


def read_articles(path: str | Path, limits: ReadingConfig | None = None) -> list[Article]:
    """Every article in the file: one, or each <article> of a PMC article set."""
    limits = limits or ReadingConfig()
    p = Path(path)
    try:
        data, size = links.read_bytes(p, limits.max_bytes)     # never through a link
        if size > limits.max_bytes:
            raise BadInputError(str(p), f"file of {size:,} bytes is over the limit of {limits.max_bytes:,} "
                                        f"(reading.max_bytes in config.yaml)")
    except IsADirectoryError:
        raise BadInputError(str(p), "is a folder, not an article file")
    except OSError as exc:
        if links.is_link_error(exc):
            raise BadInputError(str(p), links.SET_ASIDE) from None
        raise BadInputError(str(p), f"cannot read: {exc.strerror or exc}")
    return read_articles_bytes(data, str(p), limits)


def read_article(path: str | Path, limits: ReadingConfig | None = None) -> Article:
    """The article of a single-article file (the first of an article set: use read_articles for all)."""
    return read_articles(path, limits)[0]


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file's bytes, as Article.sha256 holds it; None when it cannot be read."""
    try:
        return hashlib.sha256(links.read_bytes(path, 1 << 62)[0]).hexdigest()     # a link is never hashed
    except OSError:
        return None


def read_articles_bytes(data: bytes, path: str, limits: ReadingConfig | None = None) -> list[Article]:
    limits = limits or ReadingConfig()
    if len(data) > limits.max_bytes:
        raise BadInputError(path, f"{len(data):,} bytes is over the limit of {limits.max_bytes:,} "
                                  f"(reading.max_bytes in config.yaml)")
    sha = hashlib.sha256(data).hexdigest()
    return with_export(formats.read(data, path, sha, limits), limits)


def read_article_bytes(data: bytes, path: str, limits: ReadingConfig | None = None) -> Article:
    return read_articles_bytes(data, path, limits)[0]


def with_export(articles: list[Article], limits: ReadingConfig) -> list[Article]:
    """With ``reading.references`` (``citeaudit audit --references FILE``), the export is each
    article's reference list (``refexport.link_export``)."""
    if not getattr(limits, "references", None):
        return articles
    entries = read_export(limits.references, limits.max_bytes)
    return [link_export(a, entries, limits.references) for a in articles]
