"""Record real exchanges once, replay them offline: a cassette and its transports.

>>> from meganova.testing import Cassette
>>> with Cassette("cassettes/hello.jsonl") as cassette:      # doctest: +SKIP
...     client = cassette.client()    # records on the first run, replays afterwards
...     client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="...")

``CassetteTransport`` / ``AsyncCassetteTransport`` wrap any transport. Recording sends
through it and appends each exchange, redacted (see ``cassette_redact``), to a JSON
lines file (see ``cassette_format``); replaying answers from the file and never
creates the real transport, so nothing can reach the network. Streams replay with the
chunks they were recorded with, optionally at their recorded pace.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Optional,
    Set,
    Tuple,
    Union,
    cast,
)

from ..adapters._reply_head import WrappedHead
from ..core import errors as core_errors
from ..core.errors import APIConnectionError, InvalidArgumentError, MeganovaError
from ..core.http import Headers, Request
from .cassette_errors import CassetteFormatError
from .cassette_format import (
    CassetteRequest,
    CassetteResponse,
    Exchange,
    RecordedError,
    decode_line,
    encode_line,
    seconds,
)
from .cassette_match import DEFAULT_MATCH_ON, MatchOn, Tape, matchers_for, normal_mode
from .cassette_redact import Redaction, Scrubber

if TYPE_CHECKING:
    from ..client import AsyncMegaNova, MegaNova
    from ..core.ports import AsyncResponse, AsyncTransport, Response, Transport

__all__ = ["AsyncCassetteTransport", "Cassette", "CassetteTransport"]

REPLAY_KEY = "sk-cassette-replay"
"""The API key a replaying cassette's clients get when none is configured (never sent)."""


class Cassette:
    """A file of recorded exchanges, and the mode that says what to do with it.

    Modes (vcrpy's): ``"once"`` (the default) replays when the file exists and records
    when it does not; ``"none"`` (alias ``"replay"``) only replays; ``"new_episodes"``
    replays what matches and records what does not, appending it; ``"all"`` (alias
    ``"record"``) records everything anew, replacing the file. A request that may not be
    recorded and matches nothing raises ``UnmatchedRequestError`` before anything is
    sent. Each recorded exchange is written, redacted, as soon as its body has been read
    (or closed).

    Args:
        path: The cassette file (JSON lines; its folder is made when needed).
        mode: ``"once"``, ``"none"``/``"replay"``, ``"new_episodes"`` or
            ``"all"``/``"record"``.
        match_on: What must be equal for a recorded request to answer a live one: names
            from ``"method"``, ``"scheme"``, ``"host"``, ``"port"``, ``"path"``,
            ``"query"``, ``"body"`` (JSON compared parsed), ``"url"``, ``"headers"``, or
            callables ``matcher(recorded, live) -> bool`` over two ``CassetteRequest``
            (both redacted); or one such callable.
        allow_headers: More headers whose values are written (besides the safe ones:
            content type, request id, rate limits, user agent...). Other headers are
            written with the value ``<redacted>``.
        redact_headers: Headers whose values are never written, and are scrubbed
            wherever the server echoes them.
        redact_fields: JSON fields (any depth, request and reply bodies) written as
            ``<redacted>``.
        secrets: More strings never written (the request's own credentials and agent
            keys are always scrubbed).
        pace: Replay streams at their recorded pace times this factor (``0``, the
            default: no waiting).
        clock: What recording times with and pacing sleeps on (``monotonic``,
            ``sleep``, ``asleep``; default: the system clock). The clients ``client()``
            and ``async_client()`` make read it too, unless given their own, so a paced
            replay's timing (``response_info``, hooks, spans) is the recorded one.
    """

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        mode: str = "once",
        match_on: MatchOn = DEFAULT_MATCH_ON,
        allow_headers: Iterable[str] = (),
        redact_headers: Iterable[str] = (),
        redact_fields: Iterable[str] = (),
        secrets: Iterable[str] = (),
        pace: float = 0.0,
        clock: Any = None,
    ) -> None:
        if isinstance(pace, bool) or not isinstance(pace, (int, float)) or not pace >= 0:
            raise InvalidArgumentError(
                f"pace must be a number at least 0, got {pace!r}", argument="pace"
            )
        if not math.isfinite(pace):
            raise InvalidArgumentError("pace must be finite", argument="pace")
        self._path = Path(path)
        self._mode = normal_mode(mode)
        matchers = matchers_for(match_on)
        self._redaction = Redaction.build(allow_headers, redact_headers, redact_fields, secrets)
        self._clock_given = clock is not None
        if clock is None:
            from ..adapters.clock import SystemClock

            clock = SystemClock()
        self.clock = clock
        self.pace = float(pace)
        existed = self._path.exists()
        exchanges = self._load() if existed and self._mode != "all" else []
        self._tape = Tape(exchanges, self._mode, matchers, existed=existed, name=str(path))
        # "all", and "once" on a new file, replace the file at the first write
        self._replace = self._mode == "all" or (self._mode == "once" and not existed)
        self._lock = threading.RLock()
        self._pending: Set[_Recorder] = set()
        self._secrets: Set[str] = set()
        self._clients: list[Any] = []

    def _load(self) -> list[Exchange]:
        exchanges = []
        try:
            text = self._path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CassetteFormatError(f"{self._path} is not UTF-8 text") from None
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                exchanges.append(decode_line(line, f"{self._path}, line {number}"))
        return exchanges

    # -- what it holds ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The cassette file."""
        return self._path

    @property
    def mode(self) -> str:
        """The mode, by its canonical name (``"once"``, ``"none"``, ``"new_episodes"``,
        ``"all"``)."""
        return self._mode

    @property
    def records(self) -> bool:
        """Whether a request no recorded exchange answers is sent and recorded."""
        return self._tape.records

    @property
    def exchanges(self) -> Tuple[Exchange, ...]:
        """Every exchange: those the file held, then those recorded since."""
        with self._lock:
            return tuple(self._tape.exchanges)

    @property
    def played(self) -> int:
        """How many of the file's exchanges were replayed."""
        with self._lock:
            return self._tape.played

    @property
    def recorded(self) -> int:
        """How many exchanges were recorded (and written)."""
        with self._lock:
            return self._tape.recorded

    @property
    def all_played(self) -> bool:
        """Whether every exchange the file held was replayed."""
        with self._lock:
            return self._tape.played == self._tape.loaded

    def assert_all_played(self) -> None:
        """Fail a test whose code no longer makes every recorded request.

        Raises:
            AssertionError: Some recorded exchanges were not replayed (listed).
        """
        with self._lock:
            left = [
                f"line {i + 1}: {e.request.method} {e.request.path}"
                for i, e in enumerate(self._tape.exchanges)
                if not self._tape.used[i]
            ]
        if left:
            raise AssertionError(f"{len(left)} recorded exchange(s) never replayed: {left}")

    # -- transports and clients ---------------------------------------------------------

    def transport(
        self, transport: Union[Transport, Callable[[], Transport], None] = None
    ) -> CassetteTransport:
        """A sync transport answering from this cassette.

        Args:
            transport: The real transport to record through, or a function making it
                (called on the first request to record); ``None``: the default
                transport. A replay never creates it.

        Returns:
            The transport (``MegaNova(transport=...)``).
        """
        return CassetteTransport(self, transport)

    def async_transport(
        self, transport: Union[AsyncTransport, Callable[[], AsyncTransport], None] = None
    ) -> AsyncCassetteTransport:
        """An async transport answering from this cassette.

        Args:
            transport: The real async transport to record through, or a function making
                it; ``None``: the default async transport. A replay never creates it.

        Returns:
            The transport (``AsyncMegaNova(transport=...)``).
        """
        return AsyncCassetteTransport(self, transport)

    def client(self, **options: Any) -> MegaNova:
        """A ``MegaNova`` whose requests go through this cassette (closed with it).

        Args:
            **options: ``MegaNova``'s options. ``transport``, ``verify`` and ``proxy``
                choose the real transport recording goes through; when the cassette
                only replays and no key is configured, a placeholder key is used.

        Returns:
            The client.
        """
        from ..client import MegaNova, make_transport

        real = _real_factory(options, make_transport)
        self._default_options(options)
        client = MegaNova(transport=self.transport(real), **options)
        self._clients.append(client)
        return client

    def async_client(self, **options: Any) -> AsyncMegaNova:
        """An ``AsyncMegaNova`` whose requests go through this cassette (close it with
        ``async with`` or ``await client.close()``).

        Args:
            **options: ``AsyncMegaNova``'s options, as for ``client``.

        Returns:
            The client.
        """
        from ..adapters.async_select import make_async_transport
        from ..client import AsyncMegaNova

        real = _real_factory(options, make_async_transport)
        self._default_options(options)
        client = AsyncMegaNova(transport=self.async_transport(real), **options)
        self._clients.append(client)
        return client

    def _default_options(self, options: dict[str, Any]) -> None:
        if self._clock_given:  # replayed waits and the client's timing on one clock
            options.setdefault("clock", self.clock)
        if self.records or options.get("api_key") is not None:
            return
        if not os.environ.get("MEGANOVA_API_KEY"):
            options["api_key"] = REPLAY_KEY

    def close(self) -> None:
        """Write what is still being read (as closed by the client) and close the sync
        clients ``client()`` made. Async clients are the caller's to close."""
        with self._lock:
            pending = list(self._pending)
        for recorder in pending:
            recorder.finish("closed")
        clients, self._clients = self._clients, []
        for client in clients:
            if not hasattr(client, "__aenter__"):
                client.close()

    def __enter__(self) -> Cassette:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Cassette({str(self._path)!r}, mode={self._mode!r}, "
            f"exchanges={len(self._tape.exchanges)}, played={self._tape.played})"
        )

    # -- for the transports ---------------------------------------------------------------

    def _start(self, request: Request) -> Tuple[Scrubber, CassetteRequest, Optional[Exchange]]:
        """The request redacted, and the exchange answering it (``None``: record it)."""
        found = self._redaction.secrets_of(request.url, request.headers)
        with self._lock:
            # Every secret seen so far: a server may echo an earlier request's key.
            self._secrets.update(found)
            scrub = self._redaction.scrubber(self._secrets)
        live = scrub.request(request.method, request.url, request.headers, request.body)
        with self._lock:
            return scrub, live, self._tape.take(live)

    def _write(self, exchange: Exchange) -> None:
        line = encode_line(exchange)
        stored = decode_line(line)  # what a later replay reads back, not what was live
        with self._lock:
            self._tape.add(stored)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            if self._replace:
                self._replace = False
                with open(self._path, "w", encoding="utf-8", newline="\n") as file:
                    file.write(line + "\n")
                return
            with open(self._path, "ab+") as file:
                file.seek(0, os.SEEK_END)
                if file.tell():
                    file.seek(-1, os.SEEK_END)
                    if file.read(1) != b"\n":
                        file.write(b"\n")
                file.write(line.encode("utf-8") + b"\n")


def _real_factory(options: dict[str, Any], make: Callable[..., Any]) -> Any:
    from ..core.proxy import PROXY_FROM_ENVIRONMENT

    spec = options.pop("transport", None)
    verify = options.pop("verify", True)
    proxy = options.pop("proxy", PROXY_FROM_ENVIRONMENT)
    if spec is not None and not isinstance(spec, str):
        return spec
    return lambda: make(spec, verify=verify, proxy=proxy)


def _rebuild(error: RecordedError) -> MeganovaError:
    """The recorded error, raised again (a transport's errors are connection errors)."""
    kind = getattr(core_errors, error.type, None)
    if isinstance(kind, type) and issubclass(kind, APIConnectionError):
        return kind(error.message, request_sent=error.request_sent)
    return APIConnectionError(f"{error.type}: {error.message}", request_sent=error.request_sent)


def _ending(response: CassetteResponse) -> Optional[MeganovaError]:
    if response.end == "error" and response.error is not None:
        return _rebuild(response.error)
    return None  # "closed": the body ends where the client stopped reading it


def _replay(exchange: Exchange, cassette: Cassette) -> Tuple[_Replay, float]:
    """The recorded reply to give, and the seconds to wait first (its recorded time, at
    the cassette's pace); a request recorded as failing raises its error again."""
    response = exchange.response
    if response is None:
        raise _rebuild(exchange.error or RecordedError("APIConnectionError", ""))
    wait = response.elapsed * cassette.pace if cassette.pace and response.elapsed else 0.0
    return _Replay(response, cassette), wait


class _Recorder:
    """Collects one reply as it is read, and writes the exchange once it ends."""

    def __init__(
        self,
        cassette: Cassette,
        scrub: Scrubber,
        live: CassetteRequest,
        response: Any,
        streamed: bool,
        began: float,
    ) -> None:
        self.cassette = cassette
        self.scrub = scrub
        self.live = live
        self.status = response.status
        self.reason = response.reason
        self.headers = dict(response.headers.items())
        self.streamed = streamed
        self.began = began
        self.elapsed = seconds(cassette.clock.monotonic() - began)
        self.chunks: list[Tuple[float, bytes]] = []
        self.done = False
        with cassette._lock:
            cassette._pending.add(self)

    def chunk(self, data: bytes) -> None:
        self.chunks.append((seconds(self.cassette.clock.monotonic() - self.began), bytes(data)))

    def finish(self, end: str, error: Optional[BaseException] = None) -> None:
        with self.cassette._lock:
            if self.done:
                return
            self.done = True
            self.cassette._pending.discard(self)
        scrub = self.scrub
        if self.streamed:
            chunks = tuple(scrub.chunks(self.chunks))
        else:
            chunks = ((0.0, scrub.body(b"".join(data for _, data in self.chunks))),)
        response = CassetteResponse(
            status=self.status,
            reason=self.reason,
            headers=scrub.headers(self.headers),
            chunks=chunks,
            streamed=self.streamed,
            end=end,
            error=scrub.error(error) if error is not None else None,
            elapsed=self.elapsed,
        )
        self.cassette._write(Exchange(self.live, response))


# -- sync -------------------------------------------------------------------------------


class CassetteTransport:
    """A sync transport that answers from a cassette and, when its mode says so, sends
    through a real transport and records.

    Args:
        cassette: The cassette.
        transport: The real transport, or a function making it on the first request to
            record; ``None``: the default transport.
    """

    def __init__(
        self,
        cassette: Cassette,
        transport: Union[Transport, Callable[[], Transport], None] = None,
    ) -> None:
        self.cassette = cassette
        self._given = transport
        self._real: Optional[Transport] = (
            cast("Transport", transport) if hasattr(transport, "send") else None
        )
        self._lock = threading.Lock()

    def _transport(self) -> Transport:
        with self._lock:
            if self._real is None:
                if self._given is None:
                    from ..client import make_transport

                    self._real = make_transport(None)
                else:
                    self._real = self._given()  # type: ignore[operator]
            return self._real

    def send(self, request: Request) -> Response:
        """Answer from the cassette, or send and record (see ``Cassette``).

        Args:
            request: The request.

        Returns:
            The recorded reply, or the real one (recorded as it is read).

        Raises:
            UnmatchedRequestError: Nothing recorded answers it, and the mode records
                nothing (nothing was sent).
        """
        cassette = self.cassette
        scrub, live, exchange = cassette._start(request)
        if exchange is not None:
            reply, wait = _replay(exchange, cassette)
            if wait:
                cassette.clock.sleep(wait)
            return reply
        real = self._transport()
        began = cassette.clock.monotonic()
        try:
            response = real.send(request)
        except MeganovaError as exc:
            cassette._write(Exchange(live, None, scrub.error(exc)))
            raise
        recorder = _Recorder(cassette, scrub, live, response, request.stream, began)
        return _Recording(response, recorder)

    def close(self) -> None:
        """Close the real transport, if one was made or given."""
        if self._real is not None:
            self._real.close()

    def __repr__(self) -> str:
        return f"CassetteTransport({str(self.cassette.path)!r})"


class _Replay:
    """A recorded reply, for both ports: the recorded chunks, then the recorded end."""

    def __init__(self, response: CassetteResponse, cassette: Cassette) -> None:
        self._response = response
        self._headers = Headers(response.headers)
        self._clock = cassette.clock
        self._pace = cassette.pace
        self._consumed = False
        self.closed = False

    @property
    def status(self) -> int:
        return self._response.status

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def reason(self) -> str:
        return self._response.reason

    def _steps(self) -> Iterator[Tuple[float, bytes]]:
        """Each recorded chunk with the wait before it (once), then the recorded end
        raised unless the reply was closed first; the ports' iterators wait and stop."""
        if self._consumed:
            return
        self._consumed = True
        ending = _ending(self._response)
        previous = self._response.elapsed
        for at, data in self._response.chunks:
            yield max(at - previous, 0.0) * self._pace, data
            previous = at
        if ending is not None and not self.closed:
            raise ending

    def iter_bytes(self) -> Iterator[bytes]:
        for wait, data in self._steps():
            if wait:
                self._clock.sleep(wait)
            if self.closed:
                return
            if data:
                yield data

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        self.closed = True

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        for wait, data in self._steps():
            if wait:
                await self._clock.asleep(wait)
            if self.closed:
                return
            if data:
                yield data

    async def aread(self) -> bytes:
        return b"".join([data async for data in self.aiter_bytes()])

    async def aclose(self) -> None:
        self.closed = True


class _Recording(WrappedHead):
    """The real reply, recorded as it is read."""

    def __init__(self, response: Response, recorder: _Recorder) -> None:
        self._response: Response = response
        self._recorder = recorder

    def read(self) -> bytes:
        try:
            data = self._response.read()
        except MeganovaError as exc:
            self._recorder.finish("error", exc)
            raise
        self._recorder.chunk(data)
        self._recorder.finish("eof")
        return data

    def iter_bytes(self) -> Iterator[bytes]:
        recorder = self._recorder
        try:
            for data in self._response.iter_bytes():
                recorder.chunk(data)
                yield data
        except MeganovaError as exc:
            recorder.finish("error", exc)
            raise
        recorder.finish("eof")

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._recorder.finish("closed")


# -- async ------------------------------------------------------------------------------


class AsyncCassetteTransport:
    """The async twin of ``CassetteTransport``.

    Args:
        cassette: The cassette.
        transport: The real async transport, or a function making it on the first
            request to record; ``None``: the default async transport.
    """

    def __init__(
        self,
        cassette: Cassette,
        transport: Union[AsyncTransport, Callable[[], AsyncTransport], None] = None,
    ) -> None:
        self.cassette = cassette
        self._given = transport
        self._real: Optional[AsyncTransport] = (
            cast("AsyncTransport", transport) if hasattr(transport, "send") else None
        )

    def _transport(self) -> AsyncTransport:
        if self._real is None:
            if self._given is None:
                from ..adapters.async_select import make_async_transport

                self._real = make_async_transport(None)
            else:
                self._real = self._given()  # type: ignore[operator]
        return self._real

    async def send(self, request: Request) -> AsyncResponse:
        """Answer from the cassette, or send and record (see ``Cassette``).

        Args:
            request: The request.

        Returns:
            The recorded reply, or the real one (recorded as it is read).

        Raises:
            UnmatchedRequestError: Nothing recorded answers it, and the mode records
                nothing (nothing was sent).
        """
        cassette = self.cassette
        scrub, live, exchange = cassette._start(request)
        if exchange is not None:
            reply, wait = _replay(exchange, cassette)
            if wait:
                await cassette.clock.asleep(wait)
            return reply
        real = self._transport()
        began = cassette.clock.monotonic()
        try:
            response = await real.send(request)
        except MeganovaError as exc:
            cassette._write(Exchange(live, None, scrub.error(exc)))
            raise
        recorder = _Recorder(cassette, scrub, live, response, request.stream, began)
        return _AsyncRecording(response, recorder)

    async def aclose(self) -> None:
        """Close the real transport, if one was made or given."""
        if self._real is not None:
            await self._real.aclose()

    def __repr__(self) -> str:
        return f"AsyncCassetteTransport({str(self.cassette.path)!r})"


class _AsyncRecording(WrappedHead):
    """The real async reply, recorded as it is read."""

    def __init__(self, response: AsyncResponse, recorder: _Recorder) -> None:
        self._response: AsyncResponse = response
        self._recorder = recorder

    async def aread(self) -> bytes:
        try:
            data = await self._response.aread()
        except MeganovaError as exc:
            self._recorder.finish("error", exc)
            raise
        self._recorder.chunk(data)
        self._recorder.finish("eof")
        return data

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        recorder = self._recorder
        try:
            async for data in self._response.aiter_bytes():
                recorder.chunk(data)
                yield data
        except MeganovaError as exc:
            recorder.finish("error", exc)
            raise
        recorder.finish("eof")

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            self._recorder.finish("closed")
