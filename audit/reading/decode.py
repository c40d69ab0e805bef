"""Bytes -> text for the formats that are text: UTF-8 (with or without a BOM), UTF-16 with a
BOM, else cp1252; binary or undecodable input is a BadInputError naming the line."""
from __future__ import annotations

import codecs
import re

from audit.errors import BadInputError


def decode(data: bytes, path: str) -> str:
    """Bytes -> text; binary or undecodable input is a BadInputError naming the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInputError(path, f"undecodable UTF-16 text: {exc.reason}", _line_of(data, exc.start))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInputError(path, "binary file (contains NUL bytes)", _line_of(data, nul))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadInputError(path, f"undecodable text (not UTF-8): {exc.reason}", _line_of(data, exc.start))
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 100):
        first = next(i for i, ch in enumerate(text) if ord(ch) < 32 and ch not in "\t\n\r\f\v")
        raise BadInputError(path, "binary file (control characters)", text.count("\n", 0, first) + 1)
    # private-use characters are ours to mark with; nothing real uses them here
    return re.sub("[\ue000-\uf8ff]", "", text).replace("\r\n", "\n").replace("\r", "\n")


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1
