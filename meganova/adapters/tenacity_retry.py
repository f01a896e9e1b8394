"""The default retry policy: tenacity runs the attempts, core decides each verdict."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Awaitable, Callable, TypeVar

from ..core.ports import Decide

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")


class TenacityRetryPolicy:
    """Runs attempts for ``MegaNova`` (``run``, tenacity's ``Retrying``) and
    ``AsyncMegaNova`` (``arun``, ``AsyncRetrying``); core's ``decide`` gives every
    verdict and wait. ``sleep`` / ``asleep`` are injectable so tests (and the fake
    Meganova) wait no real time: the client passes its clock's."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self._sleep = sleep
        self._asleep = asleep or _asyncio_sleep

    def __repr__(self) -> str:
        return "TenacityRetryPolicy()"

    def run(self, attempt: Callable[[int], T], decide: Decide) -> T:
        # Fast path: most calls succeed first time, so the first attempt runs bare and
        # tenacity's machinery (a few µs per call) is built only after a failure.
        try:
            return attempt(1)
        except Exception as error:
            verdict = decide(error, 1)
            if not verdict.retry:
                raise
        self._sleep(verdict.delay)
        return self._retry_from_second(attempt, decide)

    def _retry_from_second(self, attempt: Callable[[int], T], decide: Decide) -> T:
        """Tenacity runs attempts 2, 3, ...; its attempt numbers are ours minus one.
        Imported here: a process whose calls all succeed never pays tenacity's import."""
        from tenacity import Retrying, stop_never

        delays: dict[int, float] = {}
        retrying = Retrying(
            retry=_should_retry(decide, delays),
            wait=lambda state: delays.get(state.attempt_number, 0.0),
            stop=stop_never,
            sleep=self._sleep,
            reraise=True,
        )
        for try_ in retrying:
            with try_:
                result = attempt(try_.retry_state.attempt_number + 1)
            if not try_.retry_state.outcome or not try_.retry_state.outcome.failed:
                return result
        raise AssertionError("unreachable: tenacity stopped without an outcome")  # pragma: no cover

    async def arun(self, attempt: Callable[[int], Awaitable[T]], decide: Decide) -> T:
        # As ``run``: tenacity is built only after a first failure.
        try:
            return await attempt(1)
        except Exception as error:
            verdict = decide(error, 1)
            if not verdict.retry:
                raise
        await self._asleep(verdict.delay)
        from tenacity import AsyncRetrying, stop_never

        delays: dict[int, float] = {}
        retrying = AsyncRetrying(
            retry=_should_retry(decide, delays),
            wait=lambda state: delays.get(state.attempt_number, 0.0),
            stop=stop_never,
            sleep=self._asleep,
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                result = await attempt(try_.retry_state.attempt_number + 1)
            if not try_.retry_state.outcome or not try_.retry_state.outcome.failed:
                return result
        raise AssertionError("unreachable: tenacity stopped without an outcome")  # pragma: no cover


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # not at import time: a sync-only process never loads asyncio

    await asyncio.sleep(seconds)


def _should_retry(decide: Decide, delays: dict[int, float]) -> Callable[[RetryCallState], bool]:
    """Tenacity's retry predicate from core's verdict; the wait it chose is kept in
    ``delays`` for tenacity's wait function. Attempt numbers are tenacity's plus one."""

    def should_retry(state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return False
        error = outcome.exception()
        if error is None or not isinstance(error, Exception):
            return False
        verdict = decide(error, state.attempt_number + 1)
        delays[state.attempt_number] = verdict.delay
        return verdict.retry

    return should_retry
