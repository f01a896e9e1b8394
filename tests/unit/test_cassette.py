"""Cassettes on the in-memory fake: record, replay, new episodes, ordering, failures
replayed as they happened, streams with their chunking, pacing, and a request nothing
answers (typed error, nothing sent). Real sockets: tests/contract/test_cassette_contract.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, List

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import AsyncFakeTransport, FakeResponse, FakeTransport
from meganova.core.http import Request
from meganova.errors import (
    IncompleteStreamError,
    InvalidArgumentError,
    MeganovaError,
    RateLimitError,
    StreamConnectionError,
)
from meganova.testing import (
    Cassette,
    CassetteFormatError,
    Drop,
    EndEarly,
    Error,
    FakeMeganova,
    Stream,
    Text,
    UnmatchedRequestError,
    VirtualClock,
)

KEY = "sk-cassette-test-key"
USER = [{"role": "user", "content": "Hi"}]
MODEL = "meganova-ai/manta-flash-1.0"


@pytest.fixture(autouse=True)
def _no_meganova_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and URLs come from each test, never from the machine running it."""
    for name in ("MEGANOVA_API_KEY", "MEGANOVA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


class Counting:
    """A sync transport in front of another, keeping the chunks each reply gave."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: List[Request] = []
        self.chunks: List[List[bytes]] = []

    def send(self, request: Request) -> Any:
        self.sent.append(request)
        response = self.inner.send(request)
        seen: List[bytes] = []
        self.chunks.append(seen)
        chunks = list(response.iter_bytes()) if request.stream else [response.read()]
        seen.extend(chunks)
        return FakeResponse(response.status, iter(chunks), dict(response.headers))

    def close(self) -> None:
        self.inner.close()


def nowhere() -> FakeTransport:
    """A transport that answers nothing: a replay that used it would fail loudly."""
    return FakeTransport()


def recording_client(cassette: Cassette, fake: FakeMeganova, **options: Any) -> MegaNova:
    options.setdefault("max_retries", 0)
    return cassette.client(transport=fake.transport, api_key=KEY, clock=fake.clock, **options)


def ask(client: MegaNova, text: str = "Hi") -> str:
    return client.chat.create(messages=[{"role": "user", "content": text}], model=MODEL).text


def lines(path: Path) -> List[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cassettes" / "test.jsonl"


# -- record, replay -----------------------------------------------------------------------


def test_a_recorded_exchange_replays_offline_with_the_same_answer(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("Ahoy from the harbor"))
    with Cassette(path, mode="record") as cassette:
        live = recording_client(cassette, fake).chat.create(messages=USER, model=MODEL)
    assert len(lines(path)) == 1

    unused = nowhere()
    with Cassette(path, mode="replay") as cassette:
        client = cassette.client(transport=unused)
        replayed = client.chat.create(messages=USER, model=MODEL)
    assert replayed.text == live.text == "Ahoy from the harbor"
    assert replayed.request_id == live.request_id == "req_fake_000001"
    assert unused.requests == []
    assert cassette.played == 1 and cassette.all_played


def test_the_async_client_records_and_replays(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("async ahoy"), Stream(["a", "b", "c"]))

    async def record() -> tuple[str, str]:
        with Cassette(path, mode="record") as cassette:
            client = cassette.async_client(
                transport=AsyncFakeTransport(fake.handle), api_key=KEY, clock=fake.clock
            )
            async with client:
                text = (await client.chat.create(messages=USER, model=MODEL)).text
                stream = await client.chat.stream(messages=USER, model=MODEL)
                streamed = "".join([item.delta async for item in stream])
        return text, streamed

    async def replay() -> tuple[str, str]:
        with Cassette(path, mode="none") as cassette:
            async with cassette.async_client(transport=AsyncFakeTransport()) as client:
                text = (await client.chat.create(messages=USER, model=MODEL)).text
                stream = await client.chat.stream(messages=USER, model=MODEL)
                streamed = "".join([item.delta async for item in stream])
        assert cassette.all_played
        return text, streamed

    assert asyncio.run(record()) == ("async ahoy", "abc")
    assert asyncio.run(replay()) == ("async ahoy", "abc")
    assert len(fake.requests) == 2


def test_identical_requests_replay_in_the_order_they_were_recorded(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("one"), Text("two"), Text("three"))
    with Cassette(path, mode="record") as cassette:
        client = recording_client(cassette, fake)
        assert [ask(client) for _ in range(3)] == ["one", "two", "three"]
    with Cassette(path, mode="replay") as cassette:
        client = cassette.client()
        assert [ask(client) for _ in range(3)] == ["one", "two", "three"]
        with pytest.raises(UnmatchedRequestError, match="all replayed already"):
            ask(client)


def test_once_records_a_new_file_then_replays_it(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path) as cassette:
        assert cassette.mode == "once" and cassette.records
        first = ask(recording_client(cassette, fake), "Who are you?")
    with Cassette(path) as cassette:
        assert not cassette.records
        assert ask(cassette.client(transport=nowhere()), "Who are you?") == first
    assert len(fake.requests) == 1


def test_new_episodes_replays_what_matches_and_records_only_what_is_missing(
    path: Path,
) -> None:
    fake = FakeMeganova()
    fake.script(Text("first"))
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake), "one")
    fake.script(Text("second"))
    with Cassette(path, mode="new_episodes") as cassette:
        client = recording_client(cassette, fake)
        assert ask(client, "one") == "first"  # replayed
        assert ask(client, "two") == "second"  # recorded
        assert (cassette.played, cassette.recorded) == (1, 1)
    assert len(fake.requests) == 2  # "one" went out once, when first recorded
    assert [line["request"]["body"]["json"]["messages"][0]["content"] for line in lines(path)] == [
        "one",
        "two",
    ]
    with Cassette(path, mode="replay") as cassette:
        client = cassette.client()
        assert [ask(client, "one"), ask(client, "two")] == ["first", "second"]


def test_all_records_everything_anew_and_replaces_the_file(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("old"), Text("new"))
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake))
    with Cassette(path, mode="all") as cassette:
        assert ask(recording_client(cassette, fake)) == "new"
    assert len(lines(path)) == 1
    with Cassette(path, mode="replay") as cassette:
        assert ask(cassette.client()) == "new"


def test_new_episodes_appends_after_a_last_line_without_newline(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake), "one")
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    with Cassette(path, mode="new_episodes") as cassette:
        ask(recording_client(cassette, fake), "two")
    assert len(lines(path)) == 2


# -- fail closed --------------------------------------------------------------------------


def test_an_unmatched_request_raises_a_typed_error_naming_it_and_sends_nothing(
    path: Path,
) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake), "recorded question")
    asked: List[Any] = []

    def counting(recorded: Any, live: Any) -> bool:
        asked.append(live)
        return True

    unused = nowhere()
    with Cassette(path, mode="none", match_on=["method", "path", counting, "body"]) as cassette:
        client = cassette.client(transport=unused, max_retries=3)
        with pytest.raises(UnmatchedRequestError) as caught:
            ask(client, "a question never recorded")
    error = caught.value
    assert isinstance(error, MeganovaError)
    assert (error.method, error.path, error.cassette) == ("POST", "/v1/chat/completions", str(path))
    assert "POST /v1/chat/completions" in str(error) and "differs in body" in str(error)
    assert str(path) in str(error)
    assert unused.requests == [] and len(fake.requests) == 1
    assert len({id(live) for live in asked}) == 1  # one attempt: never retried


def test_an_empty_replay_cassette_refuses_every_request(path: Path) -> None:
    cassette = Cassette(path, mode="none")
    with pytest.raises(UnmatchedRequestError, match="the cassette is empty"):
        cassette.client().models.list()
    assert not path.exists()


def test_a_request_to_another_path_names_what_the_cassette_holds(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake))
    cassette = Cassette(path, mode="none")
    with pytest.raises(UnmatchedRequestError, match=r"no GET /v1/models among its 1"):
        cassette.client().models.list()


def test_matchers_are_configurable(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("any question gets this"))
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake), "first wording")
    with Cassette(path, mode="none", match_on=("method", "path")) as cassette:
        assert ask(cassette.client(), "other wording") == "any question gets this"
    cassette = Cassette(path, mode="none", match_on=lambda recorded, live: False)
    with pytest.raises(UnmatchedRequestError, match="differs in <lambda>"):
        ask(cassette.client(), "first wording")


def test_the_host_is_not_matched_by_default(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        text = ask(recording_client(cassette, fake, base_url="http://127.0.0.1:9/v1"))
    with Cassette(path, mode="none") as cassette:
        assert ask(cassette.client(base_url="https://api.example.invalid/v1")) == text
    cassette = Cassette(path, mode="none", match_on=("method", "host", "path"))
    with pytest.raises(UnmatchedRequestError, match="differs in host"):
        ask(cassette.client(base_url="https://api.example.invalid/v1"))


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"mode": "sometimes"}, "mode"),
        ({"match_on": ["method", "colour"]}, "match_on"),
        ({"match_on": [42]}, "match_on"),
        ({"pace": -1}, "pace"),
        ({"pace": float("inf")}, "pace"),
    ],
)
def test_bad_options_are_refused_naming_the_argument(
    path: Path, options: dict[str, Any], argument: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Cassette(path, **options)
    assert caught.value.argument == argument


def test_a_broken_cassette_file_names_its_line(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake))
    path.write_text(path.read_text(encoding="utf-8") + '{"request": 3}\n', encoding="utf-8")
    with pytest.raises(CassetteFormatError, match="line 2"):
        Cassette(path, mode="none")


def test_assert_all_played_lists_what_the_code_no_longer_asks(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        client = recording_client(cassette, fake)
        ask(client)
        client.models.list()
    with Cassette(path, mode="none") as cassette:
        ask(cassette.client())
        assert not cassette.all_played
        with pytest.raises(AssertionError, match=r"line 2: GET /v1/models"):
            cassette.assert_all_played()


# -- failures replay as they happened -----------------------------------------------------


def test_a_failed_send_and_the_retry_after_it_replay_in_order(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Drop(after=0), Error(429, retry_after=1), Text("third time lucky"))
    with Cassette(path, mode="record") as cassette:
        assert ask(recording_client(cassette, fake, max_retries=2)) == "third time lucky"
    recorded = lines(path)
    assert recorded[0]["error"]["type"] == "APIConnectionError"
    assert "response" not in recorded[0]
    assert recorded[1]["response"]["status"] == 429

    clock = VirtualClock()
    with Cassette(path, mode="none") as cassette:
        client = cassette.client(max_retries=2, clock=clock)
        assert ask(client) == "third time lucky"
    assert len(clock.sleeps) == 2 and clock.sleeps[1] == 1.0  # Retry-After replayed
    with Cassette(path, mode="none") as cassette, pytest.raises(RateLimitError):
        ask(cassette.client(max_retries=1, clock=VirtualClock()))


def test_a_stream_cut_by_the_server_fails_the_same_way_on_replay(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Drop(after=2, pieces=["Neon ", "Harbor ", "never"]))
    cassette = Cassette(path, mode="record")
    with pytest.raises(StreamConnectionError) as live:
        "".join(
            i.delta
            for i in recording_client(cassette, fake).chat.stream(messages=USER, model=MODEL)
        )
    assert lines(path)[0]["response"]["end"] == "error"
    cassette = Cassette(path, mode="none")
    with pytest.raises(StreamConnectionError) as replayed:
        "".join(i.delta for i in cassette.client().chat.stream(messages=USER, model=MODEL))
    assert replayed.value.partial_text == live.value.partial_text == "Neon Harbor "


def test_a_stream_that_ended_early_is_incomplete_on_replay_too(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(EndEarly(pieces=["cut ", "short"]))
    with Cassette(path, mode="record") as cassette, pytest.raises(IncompleteStreamError):
        list(recording_client(cassette, fake).chat.stream(messages=USER, model=MODEL))
    cassette = Cassette(path, mode="none")
    with pytest.raises(IncompleteStreamError) as replayed:
        list(cassette.client().chat.stream(messages=USER, model=MODEL))
    assert replayed.value.partial_text == "cut short"


def test_a_stream_the_client_closed_early_ends_there_on_replay_never_silently(
    path: Path,
) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["one ", "two ", "three"]))
    with Cassette(path, mode="record") as cassette:
        stream = recording_client(cassette, fake).chat.stream(messages=USER, model=MODEL)
        with stream:
            next(iter(stream))  # the first chunk only, then closed
    assert lines(path)[0]["response"]["end"] == "closed"
    with Cassette(path, mode="none") as cassette, pytest.raises(IncompleteStreamError):
        list(cassette.client().chat.stream(messages=USER, model=MODEL))


# -- streams keep their chunking ------------------------------------------------------


def stream_pieces(client: MegaNova) -> List[str]:
    return [item.delta for item in client.chat.stream(messages=USER, model=MODEL)]


def test_a_replayed_stream_gives_the_same_chunks_in_the_same_order(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["Neon ", "Har", "bor ", "tonight"]))
    live = Counting(fake.transport)
    with Cassette(path, mode="record") as cassette:
        recorded_pieces = stream_pieces(cassette.client(transport=live, api_key=KEY))
    (live_chunks,) = live.chunks
    assert len(live_chunks) >= 6  # one per event: role, 4 pieces, finish, [DONE]

    with Cassette(path, mode="none") as cassette:
        assert stream_pieces(cassette.client()) == recorded_pieces
    with Cassette(path, mode="none") as cassette:
        request = Request(
            "POST", "https://x.invalid/v1/chat/completions", {}, live.sent[0].body, stream=True
        )
        assert list(cassette.transport().send(request).iter_bytes()) == live_chunks


def test_the_async_replay_gives_the_same_chunks(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["x", "y", "z"]))
    live = Counting(fake.transport)
    with Cassette(path, mode="record") as cassette:
        stream_pieces(cassette.client(transport=live, api_key=KEY))

    async def replay() -> List[bytes]:
        with Cassette(path, mode="none") as cassette:
            transport = cassette.async_transport()
            request = Request(
                "POST", "https://x.invalid/v1/chat/completions", {}, live.sent[0].body, stream=True
            )
            response = await transport.send(request)
            return [chunk async for chunk in response.aiter_bytes()]

    assert asyncio.run(replay()) == live.chunks[0]


def test_replay_waits_the_recorded_gaps_times_the_pace_and_not_at_all_by_default(
    path: Path,
) -> None:
    clock = VirtualClock()
    fake = FakeMeganova(clock=clock)
    fake.script(Stream(["a", "b", "c"], gap=2.0, delay=1.0))
    with Cassette(path, mode="record", clock=clock) as cassette:
        stream_pieces(recording_client(cassette, fake))
    chunks = lines(path)[0]["response"]["chunks"]
    assert lines(path)[0]["response"]["elapsed"] == 1.0
    assert [c["at"] for c in chunks] == [1.0, 3.0, 5.0, 7.0, 9.0]

    paced = VirtualClock()
    with Cassette(path, mode="none", clock=paced, pace=0.5) as cassette:
        stream_pieces(cassette.client())
    assert paced.sleeps == [0.5, 1.0, 1.0, 1.0, 1.0]  # headers after 1 s, then 2 s gaps

    unpaced = VirtualClock()
    with Cassette(path, mode="none", clock=unpaced) as cassette:
        stream_pieces(cassette.client())
    assert unpaced.sleeps == []


def test_a_paced_replay_on_a_test_clock_tells_the_recorded_stream_timing(path: Path) -> None:
    import meganova

    clock = VirtualClock()
    fake = FakeMeganova(clock=clock)
    fake.script(Stream(["a", "b", "c"], gap=2.0, delay=1.0))
    with Cassette(path, mode="record", clock=clock) as cassette:
        stream = recording_client(cassette, fake).chat.stream(messages=USER, model=MODEL)
        list(stream)
    live = meganova.response_info(stream)

    def timing(info: Any) -> tuple:
        return (info.elapsed, info.time_to_first_token, info.time_to_last_chunk, info.chunks)

    with Cassette(path, mode="none", clock=VirtualClock(), pace=1.0) as cassette:
        replayed = cassette.client().chat.stream(messages=USER, model=MODEL)
        list(replayed)
    assert timing(meganova.response_info(replayed)) == timing(live) == (1.0, 1.0, 9.0, 4)

    async def replay_async() -> Any:
        with Cassette(path, mode="none", clock=VirtualClock(), pace=1.0) as cassette:
            async with cassette.async_client() as client:
                stream = await client.chat.stream(messages=USER, model=MODEL)
                async for _ in stream:
                    pass
                return meganova.response_info(stream)

    assert timing(asyncio.run(replay_async())) == timing(live)


# -- the file ---------------------------------------------------------------------------


def test_the_file_holds_one_exchange_per_line_with_its_keys_in_a_fixed_order(
    path: Path,
) -> None:
    fake = FakeMeganova()
    fake.script(Text("plain"), Stream(["s", "t"]))
    with Cassette(path, mode="record") as cassette:
        client = recording_client(cassette, fake)
        ask(client)
        stream_pieces(client)
    plain, streamed = lines(path)
    assert list(plain) == ["request", "response"]
    assert list(plain["request"]) == ["method", "url", "headers", "body"]
    assert list(plain["response"]) == ["status", "reason", "elapsed", "headers", "body"]
    assert plain["response"]["body"]["json"]["choices"][0]["message"]["content"] == "plain"
    assert list(streamed["response"]) == [
        "status",
        "reason",
        "elapsed",
        "headers",
        "chunks",
        "end",
    ]
    assert streamed["response"]["chunks"][-1]["text"] == "data: [DONE]\n\n"
    assert plain["request"]["url"] == "https://api.meganova.ai/v1/chat/completions"
    assert plain["request"]["method"] == "POST"


def test_a_binary_body_is_kept_exactly(path: Path) -> None:
    blob = bytes(range(256))
    transport = FakeTransport(
        lambda request: FakeResponse(200, blob, {"Content-Type": "audio/mpeg"})
    )
    with Cassette(path, mode="record") as cassette:
        recorded = (
            cassette.transport(transport)
            .send(Request("GET", "https://x.invalid/v1/file", {}))
            .read()
        )
    assert recorded == blob
    assert "base64" in lines(path)[0]["response"]["body"]
    with Cassette(path, mode="none") as cassette:
        assert (
            cassette.transport().send(Request("GET", "https://x.invalid/v1/file", {})).read()
            == blob
        )


def test_exchanges_lists_what_the_file_held_then_what_was_recorded(path: Path) -> None:
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        ask(recording_client(cassette, fake), "one")
    with Cassette(path, mode="new_episodes") as cassette:
        ask(recording_client(cassette, fake), "two")
        assert [e.request.json["messages"][0]["content"] for e in cassette.exchanges] == [
            "one",
            "two",
        ]
        assert cassette.exchanges[0].response is not None
        assert cassette.exchanges[0].response.status == 200
        assert "Cassette(" in repr(cassette) and KEY not in repr(cassette)


def test_closing_the_cassette_writes_a_reply_still_being_read(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["never ", "finished"]))
    cassette = Cassette(path, mode="record")
    stream = recording_client(cassette, fake).chat.stream(messages=USER, model=MODEL)
    next(iter(stream))
    assert not path.exists()
    cassette.close()
    assert lines(path)[0]["response"]["end"] == "closed"
    stream.close()


def test_the_async_replay_paces_on_the_clock_and_fails_closed(path: Path) -> None:
    clock = VirtualClock()
    fake = FakeMeganova(clock=clock)
    fake.script(Stream(["a", "b"], gap=1.0))
    with Cassette(path, mode="record", clock=clock) as cassette:
        stream_pieces(recording_client(cassette, fake))
    paced = VirtualClock()
    unused = AsyncFakeTransport()

    async def replay() -> List[str]:
        with Cassette(path, mode="none", clock=paced, pace=2.0) as cassette:
            async with cassette.async_client(transport=unused, max_retries=2) as client:
                stream = await client.chat.stream(messages=USER, model=MODEL)
                pieces = [item.delta async for item in stream]
                with pytest.raises(UnmatchedRequestError, match="POST /v1/chat/completions"):
                    await client.chat.create(messages=USER, model=MODEL)
        return pieces

    assert "".join(asyncio.run(replay())) == "ab"
    assert paced.sleeps == [2.0, 2.0, 2.0]  # the gaps between the 4 events, doubled
    assert unused.requests == []


def test_an_upload_replays_though_its_multipart_boundary_is_new_each_time(
    path: Path, tmp_path: Path
) -> None:
    audio = tmp_path / "hello.mp3"
    audio.write_bytes(b"ID3\x03\x00fake audio")
    fake = FakeMeganova()
    with Cassette(path, mode="record") as cassette:
        live = recording_client(cassette, fake).audio.transcribe(audio).text
    with Cassette(path, mode="none") as cassette:
        assert cassette.client().audio.transcribe(audio).text == live
    other = tmp_path / "other.mp3"
    other.write_bytes(b"ID3\x03\x00other audio")
    with Cassette(path, mode="none") as cassette, pytest.raises(UnmatchedRequestError):
        cassette.client().audio.transcribe(other)


def test_the_headers_matcher_ignores_the_idempotency_key_chosen_per_call(path: Path) -> None:
    fake = FakeMeganova()
    options = {"match_on": ("method", "path", "headers"), "allow_headers": ["X-Team"]}
    with Cassette(path, mode="record", **options) as cassette:
        text = ask(recording_client(cassette, fake, default_headers={"X-Team": "search"}))
    with Cassette(path, mode="none", **options) as cassette:
        assert ask(cassette.client(default_headers={"X-Team": "search"})) == text
    with (
        Cassette(path, mode="none", **options) as cassette,
        pytest.raises(UnmatchedRequestError, match="differs in headers"),
    ):
        ask(cassette.client(default_headers={"X-Team": "billing"}))


def test_new_episodes_on_the_async_client(path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("first"), Text("second"))

    async def ask_async(mode: str, *texts: str) -> List[str]:
        with Cassette(path, mode=mode) as cassette:
            client = cassette.async_client(
                transport=AsyncFakeTransport(fake.handle), api_key=KEY, max_retries=0
            )
            async with client:
                return [
                    (
                        await client.chat.create(
                            messages=[{"role": "user", "content": t}], model=MODEL
                        )
                    ).text
                    for t in texts
                ]

    assert asyncio.run(ask_async("record", "one")) == ["first"]
    assert asyncio.run(ask_async("new_episodes", "one", "two")) == ["first", "second"]
    assert len(fake.requests) == 2
    assert asyncio.run(ask_async("none", "one", "two")) == ["first", "second"]


def test_response_metadata_reads_the_same_on_replay(path: Path) -> None:
    import meganova
    from meganova.testing import Json

    fake = FakeMeganova()
    limits = {"x-ratelimit-remaining-requests": "7", "x-ratelimit-limit-requests": "60"}
    fake.script(Json({"object": "list", "data": []}, headers=limits))
    with Cassette(path, mode="record") as cassette:
        live = meganova.response_info(recording_client(cassette, fake).models.list())
    with Cassette(path, mode="none") as cassette:
        replayed = meganova.response_info(cassette.client().models.list())
    assert (replayed.status, replayed.request_id) == (live.status, live.request_id)
    assert replayed.rate_limit == live.rate_limit
    assert replayed.rate_limit is not None and replayed.rate_limit.remaining_requests == 7
