"""The bulk run's decisions, without I/O: request lines, the rate budget, the verdict
after a failure, the id set, result lines and resume bookkeeping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.batch.budget import RateBudget
from meganova.core.batch.ids import IdSet
from meganova.core.batch.items import BatchItem, ItemProblem, parse_item
from meganova.core.batch.results import BatchResult, Tally, done_ids, result_line
from meganova.core.batch.tokens import DEFAULT_COMPLETION_TOKENS, estimate_tokens, tokens_used
from meganova.core.batch.verdict import after_failure
from meganova.core.errors import (
    InternalServerError,
    InvalidArgumentError,
    RateLimitError,
)
from meganova.core.models.chat import ChatResponse, TokenUsage
from meganova.core.retry import RetrySettings

MESSAGES = [{"role": "user", "content": "Hello there"}]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


# -- request lines ---------------------------------------------------------------------


def test_the_sdk_shape_names_a_method_and_its_params() -> None:
    item = parse_item(
        json.dumps({"custom_id": "a", "method": "chat.create", "params": {"messages": MESSAGES}}),
        1,
    )
    assert item == BatchItem("a", "chat.create", {"messages": MESSAGES}, 1)


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/v1/chat/completions", "chat.completions.create"),
        ("/v1/embeddings", "embeddings.create"),
        ("/chat/completions", "chat.completions.create"),
    ],
)
def test_an_openai_batch_line_runs_as_it_is(url: str, method: str) -> None:
    line = {"custom_id": "x-1", "method": "POST", "url": url, "body": {"model": "m"}}
    assert parse_item(json.dumps(line).encode(), 7) == BatchItem("x-1", method, {"model": "m"}, 7)


def test_a_request_without_an_id_gets_its_line() -> None:
    item = parse_item({"method": "embeddings.create", "params": {"input": "a"}}, 12)
    assert isinstance(item, BatchItem) and item.custom_id == "line-12"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"custom_id": "a", "method": "chat.fly", "params": {}}, "unknown method 'chat.fly'"),
        ({"custom_id": "a", "params": {}}, "method is missing"),
        ({"custom_id": "a", "method": "POST", "url": "/v1/files", "body": {}}, "unsupported url"),
        ({"custom_id": "a", "method": "chat.create", "params": []}, "params must be"),
        ({"custom_id": "", "method": "chat.create"}, "custom_id must be"),
        (
            {"custom_id": "a", "method": "chat.create", "params": {"stream": True}},
            "stream=true is not supported",
        ),
    ],
)
def test_bad_lines_are_problems_with_their_line_and_reason(raw: Any, reason: str) -> None:
    problem = parse_item(raw, 3)
    assert isinstance(problem, ItemProblem)
    assert reason in problem.reason
    error = problem.error()
    assert isinstance(error, InvalidArgumentError)
    assert str(error).startswith("line 3") and error.line == 3


@given(st.binary(max_size=80) | st.text(max_size=80) | json_values)
def test_any_input_line_is_an_item_or_a_problem_never_an_exception(raw: Any) -> None:
    assert isinstance(parse_item(raw, 1), (BatchItem, ItemProblem))


# -- tokens ----------------------------------------------------------------------------


def test_a_chat_estimate_counts_the_text_and_the_completion_budget() -> None:
    long = [{"role": "user", "content": "x" * 400}]
    assert estimate_tokens("chat.create", {"messages": long, "max_tokens": 50}) == 4 + 100 + 50
    without = estimate_tokens("chat.create", {"messages": long})
    assert without == 4 + 100 + DEFAULT_COMPLETION_TOKENS
    assert estimate_tokens("chat.create", {"messages": long, "max_tokens": 50, "n": 2}) == 204
    assert estimate_tokens("embeddings.create", {"input": ["a" * 40, "b" * 40]}) == 20


def test_usage_corrects_the_estimate() -> None:
    reply = ChatResponse(usage=TokenUsage(prompt_tokens=7, completion_tokens=3, total_tokens=10))
    assert tokens_used(reply) == 10
    assert tokens_used(ChatResponse()) is None
    assert tokens_used(type("R", (), {"usage": {"prompt_tokens": 4}})()) == 4


# -- the rate budget -------------------------------------------------------------------


def starts(budget: RateBudget, now: float, n: int, tokens: int = 1) -> list[float]:
    return [budget.wait(budget.reserve(now, tokens), now) + now for _ in range(n)]


def test_requests_per_minute_are_paced_after_one_seconds_burst() -> None:
    budget = RateBudget(max_requests_per_minute=600)  # 10/s
    times = starts(budget, 100.0, 30)
    assert times[:11] == [100.0] * 11  # one second's allowance at once
    gaps = [b - a for a, b in zip(times[11:], times[12:])]
    assert all(g == pytest.approx(0.1) for g in gaps)
    assert times[-1] == pytest.approx(100.0 + 1.9)  # 30 requests: 2 s less the burst


def test_tokens_per_minute_pace_by_cost_and_usage_corrects_it() -> None:
    budget = RateBudget(max_tokens_per_minute=6000)  # 100 tokens/s
    first, second = starts(budget, 0.0, 2, tokens=300)
    assert (first, second) == (0.0, pytest.approx(2.0))  # 3 s of tokens, 1 s burst
    budget.correct(-300)  # the second used nothing after all
    assert starts(budget, 0.0, 1, tokens=300)[0] == pytest.approx(2.0)


def test_no_limits_means_no_waits() -> None:
    assert starts(RateBudget(), 5.0, 100) == [5.0] * 100


def test_a_pause_holds_every_start_not_yet_made_and_moves_the_queue() -> None:
    budget = RateBudget(max_requests_per_minute=60)  # 1/s
    tickets = [budget.reserve(0.0, 1) for _ in range(4)]  # starts 0, 0, 1, 2
    assert [budget.wait(t, 0.0) for t in tickets] == [0.0, 0.0, 1.0, 2.0]
    budget.pause(0.5, 10.0)
    waits = [budget.wait(t, 0.5) for t in tickets]
    # nothing before 10.5; the queue keeps its spacing behind the pause
    assert min(waits) == pytest.approx(10.0)
    assert waits[3] - waits[2] == pytest.approx(1.0)
    assert budget.wait(budget.reserve(0.5, 1), 0.5) >= 10.0
    assert budget.pauses == 1


def test_overlapping_pauses_do_not_add_up() -> None:
    budget = RateBudget()
    budget.pause(0.0, 2.0)
    budget.pause(1.0, 0.5)  # inside the first: nothing changes
    budget.pause(1.0, 2.0)  # ends at 3: one more second
    assert budget.paused_until == 3.0 and budget.pauses == 1  # one pause, extended
    assert budget.wait(budget.reserve(1.0, 1), 1.0) == pytest.approx(2.0)
    budget.pause(5.0, 1.0)  # after the first ended: a pause of its own
    assert budget.pauses == 2


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_requests_per_minute"):
        RateBudget(max_requests_per_minute=0)


# -- the verdict after a failure -------------------------------------------------------


def rate_limited(retry_after: float | None) -> RateLimitError:
    return RateLimitError("slow", status=429, retry_after=retry_after)


def test_a_429_pauses_everyone_for_retry_after_and_retries_per_the_client_rule() -> None:
    verdict = after_failure(rate_limited(3.0), 1, RetrySettings(max_retries=2), rand=lambda: 0)
    assert (verdict.retry, verdict.delay, verdict.pause) == (True, 3.0, 3.0)


def test_the_last_attempt_is_not_retried_but_still_pauses_the_others() -> None:
    verdict = after_failure(rate_limited(None), 3, RetrySettings(max_retries=2), rand=lambda: 0)
    assert not verdict.retry and verdict.pause == pytest.approx(2.0)  # backoff of attempt 3


def test_a_server_error_is_retried_without_pausing_the_others() -> None:
    error = InternalServerError("boom", status=503)
    verdict = after_failure(error, 1, RetrySettings(), rand=lambda: 0)
    assert verdict.retry and verdict.pause == 0.0


def test_a_long_retry_after_pauses_no_longer_than_the_client_waits() -> None:
    verdict = after_failure(
        rate_limited(600.0), 1, RetrySettings(max_retry_after=60), rand=lambda: 0
    )
    assert not verdict.retry and verdict.pause == 60.0


def test_bad_arguments_were_never_sent() -> None:
    verdict = after_failure(InvalidArgumentError("no"), 1, RetrySettings(), rand=lambda: 0)
    assert not verdict.retry and not verdict.sent


# -- ids, result lines, resume ---------------------------------------------------------


@given(st.lists(st.text(max_size=12), max_size=300))
def test_the_id_set_answers_like_a_set(ids: list[str]) -> None:
    compact, reference = IdSet(capacity=4), set()
    for value in ids:
        assert compact.add(value) == (value not in reference)
        reference.add(value)
    assert len(compact) == len(reference)
    assert all(value in compact for value in reference)
    assert "\x00never" not in compact or "\x00never" in reference


def test_a_result_line_has_the_openai_output_shape() -> None:
    reply = ChatResponse(id="c1", request_id="req-9")
    line = result_line(BatchResult("a", reply, None, 2, 0.5, 4))
    record = json.loads(line)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert record["custom_id"] == "a" and record["error"] is None
    assert record["response"]["status_code"] == 200 and record["response"]["request_id"] == "req-9"
    assert record["response"]["body"]["id"] == "c1"
    assert (record["attempts"], record["line"]) == (2, 4)
    failed = json.loads(result_line(BatchResult("b", None, rate_limited(1.0), 3, 1.0, 5)))
    assert failed["error"]["type"] == "RateLimitError" and failed["response"]["status_code"] == 429


def test_resume_counts_whole_lines_only_and_never_bad_input_reports() -> None:
    good = result_line(BatchResult("a", ChatResponse(), None, 1, 0.1, 1))
    bad = result_line(BatchResult("b", None, parse_problem_error(), 0, 0.0, 2))
    torn = result_line(BatchResult("c", ChatResponse(), None, 1, 0.1, 3))[:-5]
    ids = IdSet()
    assert done_ids([good, bad, b"garbage\n", torn], ids) == 1
    assert "a" in ids and "b" not in ids and "c" not in ids


def parse_problem_error() -> Exception:
    problem = parse_item({"custom_id": "b", "method": "nope"}, 2)
    assert isinstance(problem, ItemProblem)
    return problem.error()


def test_the_summary_counts_failures_by_type_tokens_and_retries() -> None:
    tally = Tally()
    usage = TokenUsage(prompt_tokens=3, completion_tokens=2, total_tokens=5)
    tally.add(BatchResult("a", ChatResponse(usage=usage), None, 2, 0.1, 1))
    tally.add(BatchResult("b", None, rate_limited(1.0), 3, 0.1, 2))
    tally.add(BatchResult("c", None, parse_problem_error(), 0, 0.0, 3))
    s = tally.summary
    assert (s.succeeded, s.failed, s.requests_sent, s.retries, s.total_tokens) == (1, 2, 5, 3, 5)
    assert s.failures == {"RateLimitError": 1, "InvalidBatchItemError": 1}
    assert s.results is None and len(s.problems) == 1
    assert "1 succeeded, 2 failed" in str(s)
