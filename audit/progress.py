"""Line-based progress for long runs, on stderr.

One line at most every ``interval`` seconds (and always at the end), so a log
file of a nightly run stays readable and a terminal still shows the run moving.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO


class Progress:
    def __init__(self, total: int, label: str = "nightly", stream: TextIO | None = None,
                 interval: float = 2.0, enabled: bool = True, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._clock = clock
        self._start = clock()
        self._last = float("-inf")
        self._lock = threading.Lock()
        self.done = 0
        self.scored = 0
        self.reused = 0
        self.findings = 0
        self.records_fetched = 0
        self.lines: list[str] = []

    def note(self, message: str) -> None:
        self._emit(f"{self.label}: {message}")

    def set_records(self, fetched: int) -> None:
        with self._lock:
            self.records_fetched = fetched

    def advance(self, articles: int = 1, scored: int = 0, findings: int = 0, force: bool = False) -> None:
        with self._lock:
            self.done += articles
            self.scored += scored
            self.reused += articles - scored
            self.findings += findings
            now = self._clock()
            due = force or self.done >= self.total or now - self._last >= self.interval
            if due:
                self._last = now
                line = self.line()
        if due:
            self._emit(line)

    def line(self) -> str:
        elapsed = max(self._clock() - self._start, 1e-9)
        return (f"{self.label}: {self.done}/{self.total} articles ({self.scored} scored, {self.reused} unchanged), "
                f"{self.records_fetched} records fetched, {self.findings} findings, "
                f"{self.done / elapsed:.1f} articles/s")

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        if self.enabled:
            # Written, not printed: a flow with log_prints would turn print() into log records.
            self.stream.write(line + "\n")
            self.stream.flush()
