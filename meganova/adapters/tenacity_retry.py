"""The default retry policy: tenacity runs the attempts, core decides each verdict."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, TypeVar

from ..core.ports import Decide

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")


class TenacityRetryPolicy:
    """``sleep`` is injectable so tests (and the fake Meganova) wait no real time."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

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

        def wait(state: RetryCallState) -> float:
            return delays.get(state.attempt_number, 0.0)

        retrying = Retrying(
            retry=should_retry, wait=wait, stop=stop_never, sleep=self._sleep, reraise=True
        )
        for try_ in retrying:
            with try_:
                result = attempt(try_.retry_state.attempt_number + 1)
            if not try_.retry_state.outcome or not try_.retry_state.outcome.failed:
                return result
        raise AssertionError("unreachable: tenacity stopped without an outcome")  # pragma: no cover
