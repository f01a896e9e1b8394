"""The call's time budget (pure core): how long the next wait for bytes may last."""

from meganova.core.budget import TimeBudget
from tests.clock import VirtualClock


def test_a_wait_lasts_the_read_timeout_or_what_is_left_whichever_is_less() -> None:
    clock = VirtualClock()
    budget = TimeBudget(2.0, clock.monotonic)
    assert budget.wait_limit(0.5) == 0.5
    assert budget.wait_limit(None) == 2.0  # no read timeout: the deadline alone
    clock.advance(1.75)
    assert budget.wait_limit(0.5) == 0.25 and not budget.expired()
    clock.advance(0.25)
    assert budget.wait_limit(0.5) <= 0 and budget.expired()
    assert "deadline of 2s passed" in budget.message()


def test_the_budget_starts_when_it_is_made() -> None:
    clock = VirtualClock()
    clock.advance(100)
    budget = TimeBudget(3.0, clock.monotonic)
    assert budget.remaining() == 3.0
