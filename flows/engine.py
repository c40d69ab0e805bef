"""The pipeline's steps as Prefect tasks: retries, Dask, task runs in the UI.

``PrefectExecutor`` is an ``audit.executor.Executor``: ``audit.pipeline``
hands it the same step functions the in-process executor calls, and it
submits them to a Prefect task runner (threads, or a Dask cluster).  Steps
work on chunks of articles, not single articles: an engine task run costs a
few milliseconds, which for thousands of articles would cost more than the
audit itself.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from audit.config import ConcurrencyConfig
from audit.pipeline import audit_chunk, read_chunk, resolve_records

# step name -> the task wrapping the library function, with the step's retry policy.
TASKS = {
    "read": task(read_chunk, name="ingest-chunk", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1),
    "resolve": task(resolve_records, name="resolve-and-fetch", cache_policy=NO_CACHE, retries=2,
                    retry_delay_seconds=10),
    "audit": task(audit_chunk, name="audit-chunk", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
                  task_run_name="audit-chunk-{chunk_key}"),
}


def task_runner_for(conc: ConcurrencyConfig, processes: bool = True):
    """Threads in this process, or Dask: a LocalCluster of ``workers``, or the cluster at ``dask_address``."""
    if conc.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if conc.dask_address:
            return DaskTaskRunner(address=conc.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": conc.workers, "threads_per_worker": 1,
                                              "processes": processes, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=conc.workers)


class PrefectExecutor:
    """Submit each call of a step as a Prefect task run (call inside a flow run)."""

    def __init__(self, runner):
        self.runner = runner
        self.name = type(runner).__name__
        self.in_process = False     # task runs may be shipped to workers (Dask): each step opens its own source

    def __enter__(self) -> "PrefectExecutor":
        self.runner.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.runner.__exit__(*exc)

    def run(self, step: str, fn: Callable[..., Any], calls: list[dict]) -> Iterator[tuple[int, Any]]:
        tsk = TASKS.get(step)
        if tsk is None or tsk.fn is not fn:
            raise ValueError(f"no Prefect task for step {step!r} running {getattr(fn, '__name__', fn)}")
        futures = [self.runner.submit(tsk, kw) for kw in calls]
        where = {id(f): i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            yield where[id(fut)], fut.result()
