"""The ``meganova`` logger: one line per event, the same facts in ``extra=`` fields,
``elapsed`` counted from the call's start, and never the key."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List

import pytest

from meganova import MeganovaError
from meganova.core.log import log_path
from meganova.core.redact import Redactor
from meganova.errors import IncompleteStreamError, StreamConnectionError
from meganova.testing import Drop, EndEarly, Error, FakeMeganova, Stream, Text

KEY = "sk-log-secret-0123456789"
USER = [{"role": "user", "content": "hi"}]


def ours(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "meganova"]


def events(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.meganova_event for r in ours(caplog)]  # type: ignore[attr-defined]


def no_key(records: List[logging.LogRecord]) -> None:
    for record in records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(vars(record))


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="meganova")
    return caplog


def test_a_call_retried_twice_logs_each_attempt_once(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Error(500), Error(503, retry_after=2), Text("ok"))
    with fake.client(api_key=KEY) as client:
        client.chat.create(messages=USER, model="m")
    records = ours(debug)
    assert events(debug) == ["retry", "retry", "response"]
    first, second, last = records
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO, logging.DEBUG]
    assert [r.meganova_attempt for r in records] == [1, 2, 3]  # type: ignore[attr-defined]
    assert [r.meganova_status for r in records] == [500, 503, 200]  # type: ignore[attr-defined]
    # elapsed: from the call's start (the fake's clock only moves while the SDK waits)
    delay = first.meganova_delay  # type: ignore[attr-defined]
    assert 0 < delay <= 0.5
    assert first.meganova_elapsed == 0  # type: ignore[attr-defined]
    assert second.meganova_elapsed == pytest.approx(delay)  # type: ignore[attr-defined]
    assert second.meganova_delay == 2  # type: ignore[attr-defined]  # the server asked
    assert last.meganova_elapsed == pytest.approx(delay + 2)  # type: ignore[attr-defined]
    assert "elapsed=%.3fs" % (delay + 2) in last.getMessage()
    for record in records:
        assert record.meganova_method == "POST"  # type: ignore[attr-defined]
        assert record.meganova_path == "/v1/chat/completions"  # type: ignore[attr-defined]
        assert record.meganova_request_id.startswith("req_fake_")  # type: ignore[attr-defined]
        assert record.meganova_request_id in record.getMessage()  # type: ignore[attr-defined]
    assert first.meganova_error == "InternalServerError"  # type: ignore[attr-defined]
    assert "retrying in" in first.getMessage() and "(attempt 2 of 3)" in first.getMessage()
    no_key(records)


def test_retries_exhausted_end_with_one_gave_up_warning(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Error(503), Error(503), Error(503))
    with fake.client(api_key=KEY) as client, pytest.raises(MeganovaError):
        client.chat.create(messages=USER, model="m")
    assert events(debug) == ["retry", "retry", "gave_up"]
    gave_up = ours(debug)[-1]
    assert gave_up.levelno == logging.WARNING
    assert gave_up.meganova_attempt == 3  # type: ignore[attr-defined]
    assert "gave up after 3 attempts" in gave_up.getMessage()
    assert not hasattr(gave_up, "meganova_delay")
    no_key(ours(debug))


def test_a_retryable_failure_with_retries_off_is_given_up_at_once(
    debug: pytest.LogCaptureFixture,
) -> None:
    fake = FakeMeganova()
    fake.script(Error(503))
    with fake.client(api_key=KEY, max_retries=0) as client, pytest.raises(MeganovaError):
        client.chat.create(messages=USER, model="m")
    assert events(debug) == ["gave_up"]
    assert "gave up after 1 attempt;" not in ours(debug)[0].getMessage()
    assert ours(debug)[0].getMessage().endswith("gave up after 1 attempt")


def test_a_failure_no_retry_could_fix_is_one_debug_line(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Error(400, message=f"bad request, key {KEY}"))
    with fake.client(api_key=KEY) as client, pytest.raises(MeganovaError):
        client.chat.create(messages=USER, model="m")
    (record,) = ours(debug)
    assert record.meganova_event == "failed"  # type: ignore[attr-defined]
    assert record.levelno == logging.DEBUG
    assert record.meganova_status == 400  # type: ignore[attr-defined]
    assert "not retryable" in record.getMessage()
    no_key([record])


def test_info_level_shows_the_retry_story_without_per_attempt_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="meganova")
    fake = FakeMeganova()
    fake.script(Error(500), Text("ok"))
    with fake.client(api_key=KEY) as client:
        client.chat.create(messages=USER, model="m")
    assert events(caplog) == ["retry"]


def test_the_async_client_logs_the_same_events(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Error(500), Error(500), Error(500))

    async def main() -> None:
        async with fake.async_client(api_key=KEY) as client:
            with pytest.raises(MeganovaError):
                await client.chat.create(messages=USER, model="m")

    asyncio.run(main())
    assert events(debug) == ["retry", "retry", "gave_up"]
    assert [r.meganova_attempt for r in ours(debug)] == [1, 2, 3]  # type: ignore[attr-defined]
    no_key(ours(debug))


def test_log_paths_hide_agent_keys_and_secrets_and_drop_the_query() -> None:
    redactor = Redactor([KEY])
    url = f"https://studio.example/agents/v1/agent_abc123/chat?key={KEY}"
    assert log_path(url, redactor) == "/agents/v1/<redacted>/chat"
    assert log_path(f"https://h/v1/x/{KEY}/y", redactor) == "/v1/x/<redacted>/y"


def test_a_structured_handler_gets_the_facts_as_fields(debug: Any) -> None:
    seen: List[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append({k: v for k, v in vars(record).items() if k.startswith("meganova_")})

    handler = Collect()
    logging.getLogger("meganova").addHandler(handler)
    try:
        fake = FakeMeganova()
        fake.script(Error(429, retry_after=1), Text("ok"))
        with fake.client(api_key=KEY) as client:
            client.chat.create(messages=USER, model="m")
    finally:
        logging.getLogger("meganova").removeHandler(handler)
    retry, response = seen
    assert set(retry) == {
        "meganova_event",
        "meganova_method",
        "meganova_path",
        "meganova_attempt",
        "meganova_elapsed",
        "meganova_status",
        "meganova_request_id",
        "meganova_error",
        "meganova_delay",
    }
    assert retry["meganova_status"] == 429 and retry["meganova_delay"] == 1
    assert response["meganova_event"] == "response"


def test_a_stream_that_ended_abnormally_is_one_warning(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(EndEarly(("Once ", "upon ")))
    with fake.client(api_key=KEY) as client, pytest.raises(IncompleteStreamError):
        for _ in client.chat.stream(messages=USER, model="m"):
            pass
    assert events(debug) == ["response", "stream_failed"]
    record = ours(debug)[-1]
    assert record.levelno == logging.WARNING
    assert record.meganova_error == "IncompleteStreamError"  # type: ignore[attr-defined]
    assert record.meganova_chunks == 2  # type: ignore[attr-defined]
    assert record.meganova_path == "/v1/chat/completions"  # type: ignore[attr-defined]
    assert record.meganova_request_id.startswith("req_fake_")  # type: ignore[attr-defined]
    assert record.meganova_elapsed >= 0  # type: ignore[attr-defined]
    assert "stream ended abnormally" in record.getMessage()
    no_key([record])


def test_a_finished_or_closed_stream_logs_no_failure(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["a ", "b ", "c"]), Stream(["a ", "b ", "c"]))
    with fake.client(api_key=KEY) as client:
        assert "".join(c.delta for c in client.chat.stream(messages=USER, model="m")) == "a b c"
        with client.chat.stream(messages=USER, model="m") as stream:
            next(stream)
    assert events(debug) == ["response", "response"]


def test_the_async_client_logs_a_broken_stream_once(debug: pytest.LogCaptureFixture) -> None:
    fake = FakeMeganova()
    fake.script(Drop(after=2))

    async def main() -> None:
        async with fake.async_client(api_key=KEY) as client:
            with pytest.raises(StreamConnectionError):
                async for _ in await client.chat.stream(messages=USER, model="m"):
                    pass

    asyncio.run(main())
    assert events(debug) == ["response", "stream_failed"]
    assert ours(debug)[-1].meganova_error == "StreamConnectionError"  # type: ignore[attr-defined]


def test_a_hook_that_raises_is_one_warning_with_its_fields(
    debug: pytest.LogCaptureFixture,
) -> None:
    from meganova import Hooks

    def broken(event: Any) -> None:
        raise RuntimeError(f"hook bug near {KEY}")

    fake = FakeMeganova()
    with fake.client(api_key=KEY, hooks=Hooks(on_response=broken)) as client:
        client.chat.create(messages=USER, model="m")
    assert events(debug) == ["hook_failed", "response"]
    record = ours(debug)[0]
    assert record.levelno == logging.WARNING
    assert record.meganova_hook == "on_response"  # type: ignore[attr-defined]
    assert record.meganova_error == "RuntimeError"  # type: ignore[attr-defined]
    assert record.meganova_path == "/v1/chat/completions"  # type: ignore[attr-defined]
    assert record.meganova_elapsed >= 0  # type: ignore[attr-defined]
    assert KEY not in record.getMessage()
