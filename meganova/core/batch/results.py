"""A bulk run's results, their JSONL lines, resume bookkeeping and the summary (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional

from ..errors import APIError, MeganovaError
from .ids import IdSet
from .items import InvalidBatchItemError

__all__ = [
    "BatchResult",
    "BatchSummary",
    "Tally",
    "done_ids",
    "dump_json",
    "result_line",
    "result_record",
]

MAX_PROBLEMS_KEPT = 100  # bad lines listed in the summary (all are counted and written)


@dataclass
class BatchResult:
    """One finished request, in completion order.

    Attributes:
        custom_id: The request's id (``None`` for a line too broken to carry one).
        response: The typed reply (``ChatResponse``, ``EmbeddingResponse``, ...), or
            ``None`` when the request failed.
        error: The typed error (``RateLimitError``, ``InvalidBatchItemError``, ...) when
            it failed, else ``None``.
        attempts: How many times it was sent (0: never, e.g. bad input).
        elapsed: Seconds from its first attempt to its result, waits included.
        line: Its line in the input file (or position in the iterable), from 1.
    """

    custom_id: Optional[str]
    response: Any = None
    error: Optional[BaseException] = None
    attempts: int = 0
    elapsed: float = 0.0
    line: int = 0

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None


def _error_dict(error: BaseException) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, MeganovaError):
        for name in ("status", "code", "request_id"):
            value = getattr(error, name, None)
            if value is not None:
                out[name] = value
    if isinstance(error, InvalidBatchItemError):
        out["line"] = error.line
    return out


def dump_json(value: Any) -> bytes:
    """Compact JSON, non-ASCII kept; anything JSON has no form for becomes its ``str``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def result_line(result: BatchResult, encode: Callable[[Any], bytes] = dump_json) -> bytes:
    """The result as one JSONL line (newline included): ``result_record`` as JSON, by
    ``encode`` (the run passes its client's codec: msgspec is ten times faster)."""
    return encode(result_record(result)) + b"\n"


def result_record(result: BatchResult) -> Dict[str, Any]:
    """The result as plain data in the shape of the OpenAI Batch API's output:
    ``custom_id``, ``response`` (``status_code``, ``request_id``, ``body``) and
    ``error``, plus ``attempts``, ``elapsed`` and ``line``."""
    response = None
    if result.response is not None:
        body = result.response
        to_dict = getattr(body, "to_dict", None)
        response = {
            "status_code": 200,
            "request_id": getattr(body, "request_id", None),
            "body": to_dict() if to_dict is not None else body,
        }
    elif isinstance(result.error, APIError):
        parsed = result.error.parsed_body
        response = {
            "status_code": result.error.status,
            "request_id": result.error.request_id,
            "body": parsed if isinstance(parsed, (dict, list)) else None,
        }
    return {
        "custom_id": result.custom_id,
        "response": response,
        "error": _error_dict(result.error) if result.error is not None else None,
        "attempts": result.attempts,
        "elapsed": round(result.elapsed, 6),
        "line": result.line,
    }


def done_ids(lines: Iterable[bytes], into: IdSet) -> int:
    """Adds the ``custom_id`` of every result line to ``into``; returns how many. A line
    not ending in a newline (torn by a kill mid-write) or not JSON does not count, nor
    does a report of bad input (its request was never sent): those items run again."""
    count = 0
    for line in lines:
        if not line.endswith(b"\n"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        custom_id = record.get("custom_id")
        error = record.get("error")
        if not isinstance(custom_id, str):
            continue
        if isinstance(error, dict) and error.get("type") == InvalidBatchItemError.__name__:
            continue
        if into.add(custom_id):
            count += 1
    return count


@dataclass
class BatchSummary:
    """What a bulk run did.

    Attributes:
        total: Results produced by this run (successes and failures; skipped excluded).
        succeeded: Requests that got a reply.
        failed: Requests that did not (bad input included).
        failures: Failed requests by error type name, e.g. ``{"RateLimitError": 2}``.
        skipped: Requests a resumed run found already done in the output file.
        requests_sent: Attempts sent to the API (retries included).
        retries: Attempts after the first.
        pauses: Times a 429 or ``Retry-After`` paused every worker.
        prompt_tokens: Prompt tokens the replies reported.
        completion_tokens: Completion tokens the replies reported.
        total_tokens: Total tokens the replies reported.
        elapsed: Seconds the run took.
        problems: The first bad input lines (line number and reason).
        results: Every result, only when the run was asked to keep them.
    """

    total: int = 0
    succeeded: int = 0
    failed: int = 0
    failures: Dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    requests_sent: int = 0
    retries: int = 0
    pauses: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    elapsed: float = 0.0
    problems: List[str] = field(default_factory=list)
    results: Optional[List[BatchResult]] = None

    def __str__(self) -> str:
        text = (
            f"{self.succeeded:,} succeeded, {self.failed:,} failed, {self.skipped:,} skipped; "
            f"{self.requests_sent:,} requests ({self.retries:,} retries, {self.pauses} pauses); "
            f"{self.total_tokens:,} tokens; {self.elapsed:.1f}s"
        )
        if self.failures:
            text += " [" + ", ".join(f"{k}: {v:,}" for k, v in sorted(self.failures.items())) + "]"
        return text


class Tally:
    """Adds results to a ``BatchSummary`` as they come."""

    def __init__(self, keep_results: bool = False) -> None:
        self.summary = BatchSummary(results=[] if keep_results else None)

    def add(self, result: BatchResult) -> None:
        s = self.summary
        s.total += 1
        s.requests_sent += result.attempts
        s.retries += max(0, result.attempts - 1)
        if result.error is None:
            s.succeeded += 1
            usage = getattr(result.response, "usage", None)
            if usage is not None:
                get = usage.get if isinstance(usage, dict) else None
                for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
                    value = get(name) if get else getattr(usage, name, None)
                    if isinstance(value, int) and not isinstance(value, bool):
                        setattr(s, name, getattr(s, name) + value)
        else:
            s.failed += 1
            name = type(result.error).__name__
            s.failures[name] = s.failures.get(name, 0) + 1
            if isinstance(result.error, InvalidBatchItemError) and (
                len(s.problems) < MAX_PROBLEMS_KEPT
            ):
                s.problems.append(str(result.error))
        if s.results is not None:
            s.results.append(result)
