"""The one interface every input format is read through: a ``Source`` in, its ``Article``s out.

A format is one ``Reader`` subclass in one module of this package, registered in the
registry (``audit.reading.formats``).  It names itself (``name``: ``Article.format``), the
file names a folder scan picks up (``suffixes``), and reads (``read``).  Which file is
whose is decided by the registry alone, from what each reader says of the bytes; every
one of these questions is optional:

* ``owns(data, path)``: the bytes are this format's whatever the file is called (a magic
  number: a PDF saved as .txt is still a PDF).  Asked first, of every reader.
* ``refuse(data, path)``: a file named for this format that ``owns`` did not claim: why it
  is refused ("" : read it by its name).  For formats known by their bytes (.pdf, .docx).
* ``read_as(data)``: a file named for this format whose bytes are another format's: that
  format's name (an HTML page saved as .md is read as HTML).
* ``sniff(data)``: a file whose name no reader claims: do the bytes look like this format?

A reader turns its file into ``Block``s and reference entries and ends with
``audit.reading.assemble.article``, so claims, markers and references are extracted the
same way for every format.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from audit.models import Article
from audit.reading.source import Source


class Reader(ABC):
    name: str = ""                       # Article.format
    suffixes: tuple[str, ...] = ()       # lower case, with the dot: what a folder scan picks up
    what: str = ""                       # in words, for the README table and messages

    def owns(self, data: bytes, path: str) -> bool:
        return False

    def refuse(self, data: bytes, path: str) -> str:
        return ""

    def read_as(self, data: bytes) -> str:
        return ""

    def sniff(self, data: bytes) -> bool:
        return False

    @abstractmethod
    def read(self, src: Source) -> list[Article]:
        """Every article of the file (one, or each of an article set); BadInputError when it cannot be read."""
