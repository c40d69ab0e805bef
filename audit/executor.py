"""How the pipeline's steps run: in this process (threads), or as Prefect tasks.

The pipeline (``audit.pipeline.execute``) hands each step to an executor as a
list of calls and takes the results as they complete.  ``LocalExecutor`` runs
them here with a thread pool and no engine, which is what the command line
uses by default; ``flows.engine.PrefectExecutor`` submits the same functions
as Prefect tasks (retries, Dask, the UI).  The audit logic is the same either
way: an executor decides only where and how often a call runs.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Iterator, Protocol


class Executor(Protocol):
    name: str
    # True when every call runs in this process, so calls may share unpicklable objects (an open record
    # cache); read with getattr(..., False): an executor that does not say ships its calls elsewhere.
    in_process: bool

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...

    def run(self, step: str, fn: Callable[..., Any], calls: list[dict]) -> Iterator[tuple[int, Any]]:
        """Call ``fn(**kwargs)`` for each of ``calls``; yield (index, result) as each completes."""
        ...


class LocalExecutor:
    """Threads in this process; one call (or one worker) runs inline with no pool at all."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self.name = "LocalExecutor"
        # Every step runs in this process: the run may hand its steps objects that cannot be pickled
        # (an open record cache), which an executor shipping calls to other processes could not.
        self.in_process = True
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def run(self, step: str, fn: Callable[..., Any], calls: list[dict]) -> Iterator[tuple[int, Any]]:
        if self.workers == 1 or len(calls) <= 1:
            for i, kw in enumerate(calls):
                yield i, fn(**kw)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="citeaudit")
        futures = {self._pool.submit(fn, **kw): i for i, kw in enumerate(calls)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def ordered(results: Iterator[tuple[int, Any]], n: int) -> list[Any]:
    """The results of ``Executor.run`` in call order."""
    out: list[Any] = [None] * n
    for i, r in results:
        out[i] = r
    return out
