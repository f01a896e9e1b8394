"""Bulk runs: thousands of requests with one rate budget, resumable, with progress.

>>> import meganova.batch
>>> summary = meganova.batch.run(client, "prompts.jsonl", output="results.jsonl",
...                              concurrency=32, max_requests_per_minute=600,
...                              resume=True)                          # doctest: +SKIP
>>> print(summary)                                                     # doctest: +SKIP

``run`` from sync code, ``await arun(...)`` from async code; ``meganova.batch.dask``
runs a Dask bag or DataFrame through the same loop on a cluster.
"""

from __future__ import annotations

from ..core.batch.items import InvalidBatchItemError
from ..core.batch.results import BatchResult, BatchSummary
from ._runner import arun, run

__all__ = ["BatchResult", "BatchSummary", "InvalidBatchItemError", "arun", "run"]
