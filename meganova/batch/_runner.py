"""The bulk-run driver: worker tasks, waits, the output file and the progress line.
Every decision (what a line means, when a request may start, what a failure leads to,
what the summary says) is core's (``meganova.core.batch``)."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import threading
from dataclasses import replace
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple, Union, cast

from ..core.batch.budget import BURST_SECONDS, RateBudget
from ..core.batch.ids import IdSet
from ..core.batch.items import BatchItem, InvalidBatchItemError, ItemProblem, parse_item
from ..core.batch.results import BatchResult, BatchSummary, Tally, dump_json, result_line
from ..core.batch.tokens import estimate_tokens, tokens_used
from ..core.batch.verdict import after_failure
from ..core.errors import InvalidArgumentError, InvalidArgumentTypeError
from ..core.retry import RetrySettings
from ._client import async_twin, check_params, resolve
from ._files import LineWriter, PathLike, count_lines, input_lines, is_path, read_done
from ._progress import Progress

Requests = Union[PathLike, Iterable[Any]]
OnResult = Callable[[BatchResult], None]
Entry = Union[BatchItem, ItemProblem]
MAX_STRICT_REPORT = 20  # bad lines named in a strict run's error


def _check_options(
    requests: object,
    concurrency: object,
    rpm: object,
    tpm: object,
    output: object,
    resume: object,
) -> None:
    if isinstance(requests, (bytes, dict)) or not (
        is_path(requests) or hasattr(requests, "__iter__")
    ):
        raise InvalidArgumentTypeError(
            "requests must be a path to a JSONL file or an iterable of request dicts",
            argument="requests",
        )
    if is_path(requests) and not os.path.isfile(cast(PathLike, requests)):
        raise InvalidArgumentError(f"requests: no such file {requests!r}", argument="requests")
    if is_path(output):
        folder = os.path.dirname(os.path.abspath(cast(PathLike, output)))
        if not os.path.isdir(folder):
            raise InvalidArgumentError(f"output: no such folder {folder!r}", argument="output")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError(
            f"concurrency must be a positive int, got {concurrency!r}", argument="concurrency"
        )
    for name, value in (("max_requests_per_minute", rpm), ("max_tokens_per_minute", tpm)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
        ):
            raise InvalidArgumentError(
                f"{name} must be a positive number or None, got {value!r}", argument=name
            )
    if output is not None and not is_path(output):
        raise InvalidArgumentTypeError("output must be a path or None", argument="output")
    if resume and output is None:
        raise InvalidArgumentError(
            "resume=True needs output=: the results file to resume from", argument="resume"
        )
    if (
        is_path(output)
        and is_path(requests)
        and os.path.abspath(output) == os.path.abspath(requests)  # type: ignore[call-overload]
    ):
        raise InvalidArgumentError("output must not be the input file", argument="output")


def _entries(requests: Requests) -> Iterator[Tuple[int, Any]]:
    if is_path(requests):
        return input_lines(requests)  # type: ignore[arg-type]
    return enumerate(requests, 1)  # type: ignore[arg-type]


class _Run:
    """One run: its budget, its ids, its tally, its output."""

    def __init__(
        self,
        client: Any,
        requests: Requests,
        *,
        concurrency: int,
        rpm: Optional[float],
        tpm: Optional[float],
        output: Optional[PathLike],
        resume: bool,
        progress: bool,
        strict: bool,
        keep_results: bool,
        on_result: Optional[OnResult],
        burst: float = BURST_SECONDS,
    ) -> None:
        self.client = client.with_options(max_retries=0)  # retries are the run's (verdict.py)
        self.settings: RetrySettings = client.config.retry
        clock = client._engine.driver.clock
        self.now: Callable[[], float] = clock.monotonic
        self.sleep: Callable[[float], Any] = getattr(clock, "asleep", None) or asyncio.sleep
        codec = client._engine.codec

        def encode(record: Any) -> bytes:
            try:
                data: bytes = codec.encode(record)
            except Exception:  # a codec of the user's, or a value it has no form for
                return dump_json(record)
            return data

        self.encode = encode
        self.requests = requests
        self.concurrency = concurrency
        self.budget = RateBudget(rpm, tpm, burst=burst)
        self.output = output
        self.resume = resume
        self.strict = strict
        self.on_result = on_result
        self.tally = Tally(keep_results)
        self.progress_wanted = progress
        self.progress: Optional[Progress] = None
        self.writer: Optional[LineWriter] = None
        self.done = IdSet()
        self.seen = IdSet()
        self.methods: Dict[str, Tuple[Any, Any]] = {}
        self.stopped: Optional[InvalidBatchItemError] = None

    # -- input ------------------------------------------------------------------------

    def _source(self) -> Iterator[Entry]:
        """The input's requests in order, done ones skipped, duplicates reported."""
        for line, raw in _entries(self.requests):
            entry = parse_item(raw, line)
            if isinstance(entry, BatchItem):
                if not self.seen.add(entry.custom_id):
                    entry = ItemProblem(line, entry.custom_id, "duplicate custom_id")
                elif entry.custom_id in self.done:
                    self.tally.summary.skipped += 1
                    continue
            yield entry

    def _method(self, name: str) -> Tuple[Any, Any]:
        found = self.methods.get(name)
        if found is None:
            found = self.methods[name] = resolve(self.client, name)
        return found

    def _check_file(self) -> None:
        """``strict`` with a file: every line is checked before any request is sent."""
        seen = IdSet()
        problems: list[str] = []
        first_line = 0
        count = 0
        for line, raw in _entries(self.requests):
            entry = parse_item(raw, line)
            if isinstance(entry, BatchItem):
                if not seen.add(entry.custom_id):
                    entry = ItemProblem(line, entry.custom_id, "duplicate custom_id")
                else:
                    try:
                        check_params(self._method(entry.method)[0], entry.method, entry.params)
                    except (InvalidArgumentError, TypeError) as exc:
                        entry = ItemProblem(line, entry.custom_id, str(exc))
            if isinstance(entry, ItemProblem):
                count += 1
                first_line = first_line or entry.line
                if len(problems) < MAX_STRICT_REPORT:
                    problems.append(str(entry.error()))
        if count:
            more = f" (and {count - len(problems)} more)" if count > len(problems) else ""
            raise InvalidBatchItemError(
                f"{count} bad request line(s), nothing was sent: " + "; ".join(problems) + more,
                line=first_line,
            )

    # -- results ----------------------------------------------------------------------

    def _emit(self, result: BatchResult) -> None:
        self.tally.add(result)
        if self.writer is not None:
            self.writer.write(result_line(result, self.encode))
        if self.on_result is not None:
            self.on_result(result)
        if self.progress is not None:
            self.progress.update(self.tally.summary)

    def _bad(self, problem: ItemProblem) -> None:
        error = problem.error()
        self._emit(BatchResult(problem.custom_id, error=error, line=problem.line))
        if self.strict and self.stopped is None:
            self.stopped = error

    # -- sending ----------------------------------------------------------------------

    async def _wait_turn(self, tokens: int) -> None:
        budget, now = self.budget, self.now
        ticket = budget.reserve(now(), tokens)
        wait = budget.wait(ticket, now())
        while wait > 0:
            await self.sleep(wait)
            wait = budget.wait(ticket, now())

    async def _send(self, item: BatchItem) -> None:
        method = self._method(item.method)[1]
        params = item.params
        settings = self.settings
        retries = params.get("max_retries")
        if retries is not None:
            params = {k: v for k, v in params.items() if k != "max_retries"}
            if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
                settings = replace(settings, max_retries=retries)
        tokens = estimate_tokens(item.method, params)
        began = self.now()
        attempts = 0
        while True:
            await self._wait_turn(tokens)
            attempts += 1
            try:
                response = await method(**params)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                verdict = after_failure(error, attempts, settings, rand=random.random)
                if not verdict.sent:  # rejected before anything left: bad input
                    self.budget.refund_request(tokens)
                    problem = ItemProblem(item.line, item.custom_id, str(error))
                    self._bad(problem)
                    return
                self.budget.refund(tokens)
                if verdict.pause:
                    self.budget.pause(self.now(), verdict.pause)
                if not verdict.retry:
                    result = BatchResult(item.custom_id, None, error, attempts, 0.0, item.line)
                    break
                await self.sleep(verdict.delay)
                continue
            used = tokens_used(response)
            if used is not None:
                self.budget.correct(used - tokens)
            result = BatchResult(item.custom_id, response, None, attempts, 0.0, item.line)
            break
        result.elapsed = self.now() - began
        self._emit(result)

    async def _worker(self, source: Iterator[Entry]) -> None:
        for entry in source:
            if isinstance(entry, ItemProblem):
                self._bad(entry)
            else:
                await self._send(entry)
            if self.stopped is not None:
                return

    # -- the run ----------------------------------------------------------------------

    async def execute(self) -> BatchSummary:
        began = self.now()
        if self.strict and is_path(self.requests):
            self._check_file()
        if self.output is not None:
            if self.resume:
                read_done(self.output, self.done)
            self.writer = LineWriter(self.output, append=self.resume)
        if self.progress_wanted and sys.stderr is not None and sys.stderr.isatty():
            total: Optional[int] = None
            if is_path(self.requests):
                total = count_lines(self.requests)  # type: ignore[arg-type]
            elif hasattr(self.requests, "__len__"):
                total = len(self.requests)  # type: ignore[arg-type]
            self.progress = Progress(sys.stderr, total, self.now)
        source = self._source()
        tasks = [asyncio.ensure_future(self._worker(source)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            if self.writer is not None:
                self.writer.close()
            summary = self.tally.summary
            summary.elapsed = self.now() - began
            summary.pauses = self.budget.pauses
            if self.progress is not None:
                self.progress.close(summary)
        if self.stopped is not None:
            raise self.stopped
        return summary


async def arun(
    client: Any,
    requests: Requests,
    *,
    concurrency: int = 16,
    max_requests_per_minute: Optional[float] = None,
    max_tokens_per_minute: Optional[float] = None,
    output: Optional[PathLike] = None,
    resume: bool = False,
    progress: bool = True,
    strict: bool = False,
    keep_results: bool = False,
    on_result: Optional[OnResult] = None,
) -> BatchSummary:
    """Run many requests through the API: bounded concurrency, one rate budget, resumable.

    ``await meganova.batch.arun(client, "prompts.jsonl", output="results.jsonl")``.

    Args:
        client: A ``MegaNova`` or an ``AsyncMegaNova`` (its configuration, retries and
            clock are used; a ``MegaNova``'s requests go through an ``AsyncMegaNova``
            twin that the run closes).
        requests: A path to a JSONL file, or an iterable of dicts, read lazily. Each is
            ``{"custom_id": ..., "method": "chat.create", "params": {...}}`` (methods:
            ``chat.create``, ``chat.completions.create``, ``embeddings.create``,
            ``rerank.create``, ``images.generate``) or an OpenAI Batch API line
            ``{"custom_id": ..., "method": "POST", "url": "/v1/chat/completions",
            "body": {...}}``. Without ``custom_id`` a request is ``"line-<n>"``.
        concurrency: Requests in flight at most.
        max_requests_per_minute: The request rate the whole run keeps to (``None``: no limit).
        max_tokens_per_minute: The token rate it keeps to, estimated from each request and
            corrected from the reply's ``usage`` (``None``: no limit).
        output: A JSONL file that gets one line per result as it finishes (the OpenAI
            Batch output shape: ``custom_id``, ``response``, ``error``, plus ``attempts``,
            ``elapsed``, ``line``). Replaced unless ``resume``.
        resume: Skip the requests whose ``custom_id`` already has a line in ``output``
            and append to it (bad-input lines run again; they are never sent).
        progress: Show done/total, rate, ETA, tokens and failures on stderr when it is
            a terminal.
        strict: Stop at bad input (a file is checked whole before anything is sent);
            otherwise bad lines are reported as results and the run goes on.
        keep_results: Keep every result in ``summary.results`` (off: memory stays flat).
        on_result: Called with each ``BatchResult`` as it finishes (completion order).

    Returns:
        The ``BatchSummary``: successes, failures by error type, tokens, retries.

    Raises:
        InvalidArgumentError: An option is invalid (before anything is sent).
        InvalidBatchItemError: ``strict`` and some input is bad.
    """
    _check_options(
        requests, concurrency, max_requests_per_minute, max_tokens_per_minute, output, resume
    )
    return await _arun(
        client,
        requests,
        fresh=False,
        concurrency=concurrency,
        rpm=max_requests_per_minute,
        tpm=max_tokens_per_minute,
        output=output,
        resume=resume,
        progress=progress,
        strict=strict,
        keep_results=keep_results,
        on_result=on_result,
    )


async def _arun(client: Any, requests: Requests, *, fresh: bool, **options: Any) -> BatchSummary:
    aclient, owned = async_twin(client, fresh=fresh)
    try:
        return await _Run(aclient, requests, **options).execute()
    finally:
        if owned:
            await aclient.close()


def run(
    client: Any,
    requests: Requests,
    *,
    concurrency: int = 16,
    max_requests_per_minute: Optional[float] = None,
    max_tokens_per_minute: Optional[float] = None,
    output: Optional[PathLike] = None,
    resume: bool = False,
    progress: bool = True,
    strict: bool = False,
    keep_results: bool = False,
    on_result: Optional[OnResult] = None,
) -> BatchSummary:
    """``arun`` from sync code: runs its own event loop (in a thread of its own when the
    calling thread already runs one, e.g. in a notebook). ``on_result`` is then called
    in that thread. The arguments and result are ``arun``'s.

    >>> summary = meganova.batch.run(client, "prompts.jsonl", output="out.jsonl")  # doctest: +SKIP

    Args:
        client: A ``MegaNova`` or an ``AsyncMegaNova`` (see ``arun``).
        requests: A JSONL path or an iterable of request dicts (see ``arun``).
        concurrency: Requests in flight at most.
        max_requests_per_minute: The request rate the run keeps to (``None``: no limit).
        max_tokens_per_minute: The token rate the run keeps to (``None``: no limit).
        output: The JSONL results file (see ``arun``).
        resume: Skip what ``output`` already has and append to it.
        progress: Show progress on stderr when it is a terminal.
        strict: Stop at bad input instead of reporting it and going on.
        keep_results: Keep every result in ``summary.results``.
        on_result: Called with each result as it finishes.

    Returns:
        The ``BatchSummary``.

    Raises:
        InvalidArgumentError: An option is invalid (before anything is sent).
        InvalidBatchItemError: ``strict`` and some input is bad.
    """
    _check_options(
        requests, concurrency, max_requests_per_minute, max_tokens_per_minute, output, resume
    )
    coroutine = _arun(
        client,
        requests,
        fresh=True,
        concurrency=concurrency,
        rpm=max_requests_per_minute,
        tpm=max_tokens_per_minute,
        output=output,
        resume=resume,
        progress=progress,
        strict=strict,
        keep_results=keep_results,
        on_result=on_result,
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: Dict[str, Any] = {}

    def in_thread() -> None:
        try:
            box["summary"] = asyncio.run(coroutine)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=in_thread, name="meganova-batch", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    summary: BatchSummary = box["summary"]
    return summary
