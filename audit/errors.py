"""The one error type for input a user must fix."""
from __future__ import annotations


class BadInputError(ValueError):
    """Input that cannot be read: names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class ConfigError(BadInputError):
    """A wrong key or value in config.yaml."""
