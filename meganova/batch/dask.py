"""Bulk runs on a Dask cluster (``pip install 'meganova[dask]'``).

>>> from meganova.batch.dask import map_partitions
>>> results = map_partitions(bag, client, max_requests_per_minute=600)   # doctest: +SKIP
>>> results.compute()                                                      # doctest: +SKIP

Each partition runs the bulk-run loop (``meganova.batch.run``) in its worker. The
account's limits hold for the whole cluster: at most ``slots`` partitions run at once
(a ``distributed.Semaphore`` the scheduler keeps), and each gets ``1/slots`` of the
rate budget and of the concurrency. The client travels pickled once; every worker
process rebuilds it once and reuses it for all its partitions.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import pickle
import threading
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..core.batch.results import BatchResult, result_record
from ..core.errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError
from ._runner import _arun, _check_options

__all__ = ["map_partitions"]

RESULT_COLUMNS = ("custom_id", "response", "error", "attempts", "elapsed")

_clients: Dict[str, Any] = {}  # pickled client's digest -> the client, one per process
_local_slots: Dict[str, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


def _client_for(payload: bytes) -> Any:
    key = hashlib.sha256(payload).hexdigest()
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = pickle.loads(payload)
        return client


@contextlib.contextmanager
def _slot(name: str, slots: int) -> Iterator[None]:
    """One of the run's ``slots``: the cluster's semaphore in a distributed worker, a
    process-local one under Dask's local schedulers."""
    try:
        from distributed import Semaphore, get_worker

        get_worker()
    except (ImportError, ValueError):
        with _lock:
            local = _local_slots.setdefault(name, threading.BoundedSemaphore(slots))
        with local:
            yield
        return
    with Semaphore(max_leases=slots, name=name):
        yield


def _run_partition(
    requests: List[Any], payload: bytes, name: str, slots: int, options: Dict[str, Any]
) -> List[Dict[str, Any]]:
    results: List[BatchResult] = []
    with _slot(name, slots):
        # Dask runs tasks in threads without an event loop. No burst: partitions run
        # one after another in a slot, and each new budget's burst would add up.
        summary = _arun(
            _client_for(payload),
            requests,
            fresh=True,
            progress=False,
            output=None,
            resume=False,
            strict=False,
            keep_results=False,
            on_result=results.append,
            burst=0.0,
            **options,
        )
        asyncio.run(summary)
    results.sort(key=lambda r: r.line)
    return [result_record(r) for r in results]


def _bag_partition(
    partition: Any, payload: bytes, name: str, slots: int, options: Dict[str, Any]
) -> List[Dict[str, Any]]:
    return _run_partition(list(partition), payload, name, slots, options)


def _frame_partition(
    frame: Any, column: str, payload: bytes, name: str, slots: int, options: Dict[str, Any]
) -> Any:
    records = _run_partition(list(frame[column]), payload, name, slots, options)
    by_line = {r["line"]: r for r in records}
    rows = [by_line.get(i + 1, {}) for i in range(len(frame))]
    return frame.assign(**{c: [row.get(c) for row in rows] for c in RESULT_COLUMNS})


def _share(value: Optional[float], slots: int) -> Optional[float]:
    return None if value is None else value / slots


def _default_slots() -> int:
    try:
        from distributed import get_client

        workers = get_client().scheduler_info().get("workers", {})
    except (ImportError, ValueError):
        return 1
    return max(1, len(workers))


def map_partitions(
    collection: Any,
    client: Any,
    *,
    column: Optional[str] = None,
    concurrency: int = 16,
    max_requests_per_minute: Optional[float] = None,
    max_tokens_per_minute: Optional[float] = None,
    slots: Optional[int] = None,
) -> Any:
    """Run every request of a Dask bag (or of a DataFrame column) through the API.

    Args:
        collection: A ``dask.bag.Bag`` of request dicts or JSON lines
            (``meganova.batch.run``'s shapes), or a ``dask.dataframe.DataFrame`` with such
            requests in ``column`` (as JSON strings: Dask stores object columns as text).
        client: A ``MegaNova`` (or ``AsyncMegaNova``); it is pickled once and rebuilt
            once per worker process.
        column: The DataFrame column holding the requests (DataFrames only).
        concurrency: Requests in flight across the cluster at most (split between
            the partitions running at once).
        max_requests_per_minute: The request rate of the whole cluster (``None``: no limit).
        max_tokens_per_minute: The token rate of the whole cluster (``None``: no limit).
        slots: Partitions running at once across the cluster, each with ``1/slots`` of
            the budget (default: the number of workers of the current
            ``distributed.Client``; 1 without one).

    Returns:
        A lazy collection: for a bag, a bag of result dicts (the JSONL output records:
        ``custom_id``, ``response``, ``error``, ``attempts``, ``elapsed``, ``line``), in
        input order; for a DataFrame, the partition with those columns added.

    Raises:
        ConfigurationError: Dask is not installed (``pip install 'meganova[dask]'``).
        InvalidArgumentError: An option is invalid.
    """
    try:
        import dask  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the extra is installed in tests
        raise ConfigurationError(
            "meganova.batch.dask needs Dask: pip install 'meganova[dask]'"
        ) from exc
    if slots is None:
        slots = _default_slots()
    if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
        raise InvalidArgumentError(f"slots must be a positive int, got {slots!r}", argument="slots")
    payload = pickle.dumps(client)
    name = f"meganova-batch-{uuid.uuid4().hex}"
    _check_options([], concurrency, max_requests_per_minute, max_tokens_per_minute, None, False)
    options = {
        "concurrency": max(1, concurrency // slots),
        "rpm": _share(max_requests_per_minute, slots),
        "tpm": _share(max_tokens_per_minute, slots),
    }
    kind, args = _kind(collection, column)
    if kind == "bag":
        return collection.map_partitions(_bag_partition, payload, name, slots, options)
    meta = collection._meta.assign(**{c: [] for c in RESULT_COLUMNS})
    return collection.map_partitions(
        _frame_partition, *args, payload, name, slots, options, meta=meta
    )


def _kind(collection: Any, column: Optional[str]) -> Tuple[str, Tuple[Any, ...]]:
    module = type(collection).__module__
    if module.startswith("dask.bag"):
        if column is not None:
            raise InvalidArgumentError("column applies to DataFrames only", argument="column")
        return "bag", ()
    if hasattr(collection, "columns") and hasattr(collection, "map_partitions"):
        if column is None or column not in collection.columns:
            raise InvalidArgumentError(
                "column must name the DataFrame column holding the requests", argument="column"
            )
        return "frame", (column,)
    raise InvalidArgumentTypeError(
        f"collection must be a Dask bag or DataFrame, got {type(collection).__name__}",
        argument="collection",
    )
