"""``meganova.batch.run`` / ``arun`` as a user sees them: results, the summary, the
shared pause on 429, retries, bad input, resume, progress, sync code inside a loop."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import weakref
from pathlib import Path
from typing import Any, List

import pytest

import meganova.batch
from meganova import MegaNova
from meganova.batch import BatchResult, InvalidBatchItemError
from meganova.core.errors import InternalServerError, InvalidArgumentError, RateLimitError
from meganova.testing import Error, FakeMeganova

from .server import ChatServer, chat_requests


def tags_sent(fake: FakeMeganova) -> List[str]:
    return [r.json["messages"][0]["content"] for r in fake.requests]


def write_jsonl(path: Path, rows: List[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


# -- results and the summary -----------------------------------------------------------


def test_every_request_comes_back_once_with_its_id_and_the_summary_adds_up() -> None:
    fake = FakeMeganova()
    seen: List[BatchResult] = []
    summary = meganova.batch.run(
        fake.client(), chat_requests(30), concurrency=5, on_result=seen.append
    )
    assert sorted(r.custom_id for r in seen) == sorted(f"r{i}" for i in range(30))
    assert all(r.ok and r.attempts == 1 and r.response.text for r in seen)
    assert (summary.succeeded, summary.failed, summary.requests_sent) == (30, 0, 30)
    assert summary.total_tokens == sum(r.response.usage.total_tokens for r in seen) > 0
    assert summary.results is None  # not kept unless asked
    assert sorted(tags_sent(fake)) == sorted(f"r{i}" for i in range(30))


def test_arun_from_async_code_with_an_async_client() -> None:
    fake = FakeMeganova()

    async def main() -> Any:
        async with fake.async_client() as client:
            return await meganova.batch.arun(
                client, chat_requests(12), concurrency=3, keep_results=True
            )

    summary = asyncio.run(main())
    assert summary.succeeded == 12 and len(summary.results or []) == 12
    assert {r.custom_id for r in summary.results or []} == {f"r{i}" for i in range(12)}


def test_run_works_from_sync_code_called_inside_a_running_loop() -> None:
    fake = FakeMeganova()

    async def notebook_cell() -> int:
        # sync code in a running loop (a notebook): the run gets a loop of its own
        return meganova.batch.run(fake.client(), chat_requests(5)).succeeded

    assert asyncio.run(notebook_cell()) == 5


def test_an_openai_batch_file_runs_as_it_is_and_results_go_to_output(tmp_path: Path) -> None:
    fake = FakeMeganova()
    lines = [
        {
            "custom_id": f"q{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
        }
        for i in range(4)
    ]
    lines.append(
        {
            "custom_id": "e1",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "BAAI/bge-m3", "input": ["a", "b"]},
        }
    )
    src = write_jsonl(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    summary = meganova.batch.run(fake.client(), src, output=out)
    records = {
        json.loads(line)["custom_id"]: json.loads(line) for line in out.read_text().splitlines()
    }
    assert summary.succeeded == 5 and set(records) == {"q0", "q1", "q2", "q3", "e1"}
    assert records["q2"]["response"]["body"]["choices"][0]["message"]["content"]
    assert len(records["e1"]["response"]["body"]["data"]) == 2
    assert {r.path for r in fake.requests} == {"/chat/completions", "/embeddings"}


def test_a_sync_transport_of_the_users_serves_the_run_and_stays_open() -> None:
    fake = FakeMeganova()

    class Mine:
        closed = 0

        def send(self, request: Any) -> Any:
            return fake.handle(request)

        def close(self) -> None:
            self.closed += 1

    mine = Mine()
    client = MegaNova(api_key="sk-test", transport=mine)
    assert meganova.batch.run(client, chat_requests(4)).succeeded == 4
    assert mine.closed == 0 and len(fake.requests) == 4
    assert client.chat.create(model="m", messages=[{"role": "user", "content": "still"}]).text


# -- 429s, pauses and retries ----------------------------------------------------------


def test_one_429_pauses_every_worker_for_its_retry_after() -> None:
    """On a real server: after a 429 with Retry-After: 0.6, no worker sends anything for
    that long, and the refused request is sent once more (not once per worker)."""

    def script(n: int, tag: str) -> Any:
        return (429, {"Retry-After": "0.6"}) if n == 6 else None

    with ChatServer(delay=0.01, script=script) as server:
        client = MegaNova(api_key="sk-test", base_url=server.base_url, max_retries=2)
        summary = meganova.batch.run(client, chat_requests(40), concurrency=4)
        arrivals = [t for t, _ in server.arrivals]
    assert summary.succeeded == 40 and summary.retries == 1 and summary.pauses == 1
    assert summary.requests_sent == len(arrivals) == 41
    after = sorted(t for t in arrivals if t > arrivals[6])
    gaps = [b - a for a, b in zip([arrivals[6], *after], after)]
    # Everyone waited (a lone retry would leave gaps of ~10 ms). The margin: a request
    # sent just before the pause began may reach the server's clock late under load.
    assert max(gaps) >= 0.4


def test_a_429_on_the_fake_pauses_on_the_clients_clock() -> None:
    fake = FakeMeganova()
    fake.script(Error(429, retry_after=7))
    summary = meganova.batch.run(fake.client(), chat_requests(10), concurrency=4)
    assert summary.succeeded == 10 and summary.pauses == 1
    assert fake.clock.slept >= 7  # virtual: no real wait
    assert len(fake.requests) == 11


def test_retries_follow_the_clients_rule_and_never_multiply() -> None:
    fake = FakeMeganova()
    fake.script(*[Error(503)] * 10)
    seen: List[BatchResult] = []
    summary = meganova.batch.run(
        fake.client(max_retries=2), chat_requests(1), on_result=seen.append
    )
    assert len(fake.requests) == 3  # max_retries + 1, not (max_retries + 1) ** 2
    assert isinstance(seen[0].error, InternalServerError) and seen[0].attempts == 3
    assert summary.failures == {"InternalServerError": 1} and summary.retries == 2


def test_repeated_429s_end_in_a_rate_limit_error_after_max_retries() -> None:
    fake = FakeMeganova()
    fake.script(*[Error(429, retry_after=1)] * 5)
    seen: List[BatchResult] = []
    meganova.batch.run(fake.client(max_retries=1), chat_requests(1), on_result=seen.append)
    assert len(fake.requests) == 2 and isinstance(seen[0].error, RateLimitError)


def test_a_per_request_max_retries_is_honoured() -> None:
    fake = FakeMeganova()
    fake.script(*[Error(503)] * 10)
    request = chat_requests(1)[0]
    request["params"]["max_retries"] = 0
    meganova.batch.run(fake.client(max_retries=3), [request])
    assert len(fake.requests) == 1


def test_requests_per_minute_pace_the_whole_run() -> None:
    fake = FakeMeganova()
    summary = meganova.batch.run(
        fake.client(), chat_requests(20), concurrency=8, max_requests_per_minute=120
    )
    # 2/s after one second's burst of 3: 20 requests need 8.5 s on the fake's clock
    assert summary.succeeded == 20 and fake.clock.now == pytest.approx(8.5, abs=0.01)


def test_one_failed_item_never_stops_the_run() -> None:
    fake = FakeMeganova()
    fake.script(Error(400))
    summary = meganova.batch.run(fake.client(), chat_requests(6), concurrency=1)
    assert (summary.succeeded, summary.failed) == (5, 1)
    assert summary.failures == {"BadRequestError": 1}


# -- bad input -------------------------------------------------------------------------


def bad_file(tmp_path: Path) -> Path:
    rows: List[Any] = chat_requests(3)
    rows.append("{this is not json")  # line 4
    rows.append({"custom_id": "x", "method": "chat.fly", "params": {}})  # line 5
    rows.append(chat_requests(1)[0])  # line 6: r0 again
    rows.append({"custom_id": "y", "method": "chat.create", "params": {"model": "m"}})  # 7
    rows.append({"custom_id": "z", "method": "embeddings.create", "params": {"inputs": "a"}})
    return write_jsonl(tmp_path / "in.jsonl", rows)


def test_bad_lines_are_reported_per_line_and_the_rest_runs(tmp_path: Path) -> None:
    fake = FakeMeganova()
    out = tmp_path / "out.jsonl"
    summary = meganova.batch.run(fake.client(), bad_file(tmp_path), output=out)
    assert summary.succeeded == 3 and summary.failures == {"InvalidBatchItemError": 5}
    assert len(fake.requests) == 3  # nothing was sent for a bad line
    problems = "\n".join(summary.problems)
    for expected in (
        "line 4: not valid JSON",
        "line 5 (custom_id 'x'): unknown method 'chat.fly'",
        "line 6 (custom_id 'r0'): duplicate custom_id",
        "line 7 (custom_id 'y'): messages",
        "line 8 (custom_id 'z'):",
    ):
        assert expected in problems
    errors = [json.loads(line)["error"] for line in out.read_text().splitlines()]
    assert sorted(e["line"] for e in errors if e) == [4, 5, 6, 7, 8]


def test_strict_checks_a_whole_file_before_sending_anything(tmp_path: Path) -> None:
    fake = FakeMeganova()
    with pytest.raises(InvalidBatchItemError, match=r"5 bad request line\(s\), nothing was sent"):
        meganova.batch.run(fake.client(), bad_file(tmp_path), strict=True)
    assert fake.requests == []


def test_strict_stops_an_iterable_at_its_first_bad_request() -> None:
    fake = FakeMeganova()
    rows: List[Any] = [*chat_requests(2), "nope", *chat_requests(5, prefix="later")]
    with pytest.raises(InvalidBatchItemError, match="line 3"):
        meganova.batch.run(fake.client(), rows, concurrency=1, strict=True)
    assert tags_sent(fake) == ["r0", "r1"]


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"max_requests_per_minute": -1}, "max_requests_per_minute"),
        ({"max_tokens_per_minute": "many"}, "max_tokens_per_minute"),
        ({"resume": True}, "resume"),
    ],
)
def test_bad_options_are_named_before_anything_is_sent(options: Any, argument: str) -> None:
    fake = FakeMeganova()
    with pytest.raises(InvalidArgumentError) as caught:
        meganova.batch.run(fake.client(), chat_requests(2), **options)
    assert caught.value.argument == argument and fake.requests == []


def test_missing_files_and_folders_are_named_before_anything_is_sent(tmp_path: Path) -> None:
    fake = FakeMeganova()
    with pytest.raises(InvalidArgumentError) as caught:
        meganova.batch.run(fake.client(), tmp_path / "missing.jsonl")
    assert caught.value.argument == "requests" and "missing.jsonl" in str(caught.value)
    with pytest.raises(InvalidArgumentError) as caught:
        meganova.batch.run(fake.client(), chat_requests(2), output=tmp_path / "no" / "out.jsonl")
    assert caught.value.argument == "output" and fake.requests == []


def test_requests_must_be_a_path_or_an_iterable() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        meganova.batch.run(FakeMeganova().client(), {"custom_id": "a"})  # type: ignore[arg-type]
    assert caught.value.argument == "requests"


# -- resume ----------------------------------------------------------------------------


def test_resume_skips_what_is_done_and_reruns_a_torn_last_line(tmp_path: Path) -> None:
    fake = FakeMeganova()
    src = write_jsonl(tmp_path / "in.jsonl", chat_requests(10))
    out = tmp_path / "out.jsonl"
    meganova.batch.run(
        fake.client(), write_jsonl(tmp_path / "part.jsonl", chat_requests(4)), output=out
    )
    whole = out.read_bytes()
    out.write_bytes(whole + whole.splitlines(keepends=True)[0][:-20])  # a kill mid-write
    fake.reset()
    summary = meganova.batch.run(fake.client(), src, output=out, resume=True)
    assert summary.skipped == 4 and summary.succeeded == 6
    assert sorted(tags_sent(fake)) == sorted(f"r{i}" for i in range(4, 10))
    ids = [json.loads(line)["custom_id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == sorted(f"r{i}" for i in range(10))  # each once, the torn line gone


# -- progress --------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_and_not_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMeganova()
    fake.script(Error(400))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    meganova.batch.run(fake.client(), chat_requests(8))
    shown = terminal.getvalue()
    assert "8/8 100%" in shown and "tokens" in shown and "1 failed" in shown
    assert shown.endswith("\n")

    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    meganova.batch.run(fake.client(), chat_requests(3), progress=False)
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    meganova.batch.run(fake.client(), chat_requests(3))
    assert quiet.getvalue() == "" and piped.getvalue() == ""


# -- memory ----------------------------------------------------------------------------


def test_input_is_read_lazily_and_replies_are_not_kept() -> None:
    """Flat memory: the run never pulls more than ``concurrency`` requests ahead of its
    results, and once a result is handed out nothing keeps its reply alive."""
    fake = FakeMeganova()
    pulled = [0]
    ahead: List[int] = []
    live: List[Any] = []

    def lazily() -> Any:
        for request in chat_requests(300):
            pulled[0] += 1
            yield request

    def on_result(result: BatchResult) -> None:
        ahead.append(pulled[0] - len(ahead) - 1)
        live.append(weakref.ref(result.response))

    meganova.batch.run(fake.client(), lazily(), concurrency=4, on_result=on_result)
    gc.collect()
    assert len(ahead) == 300 and max(ahead) <= 4
    assert [ref for ref in live if ref() is not None] == []
