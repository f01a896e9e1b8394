"""Which recorded exchange answers a request, and whether a request is recorded
(sans-I/O: the tape decides; the transports send, read and write).

A request is compared, redacted as it would be written, with the recorded requests
by the matchers (by default: method, path, query and JSON body). The first recorded
exchange not yet replayed that matches answers it, so identical requests replay in
the order they were recorded.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

from .cassette_errors import UnmatchedRequestError
from .cassette_format import CassetteRequest, Exchange, json_body

__all__ = [
    "DEFAULT_MATCH_ON",
    "MATCHERS",
    "MODES",
    "Matcher",
    "MatchOn",
    "Tape",
    "matchers_for",
    "normal_mode",
]

Matcher = Callable[[CassetteRequest, CassetteRequest], bool]
"""``matcher(recorded, live)``: whether a recorded request answers a live one (both
redacted)."""

MatchOn = Union[Sequence[Union[str, Matcher]], Matcher]


def _boundary(request: CassetteRequest) -> bytes:
    for name, value in request.headers.items():
        if name.lower() == "content-type" and "multipart/" in value.lower():
            match = re.search(r'boundary="?([^";]+)', value, re.IGNORECASE)
            return match.group(1).encode("latin-1", "replace") if match else b""
    return b""


def _body_key(request: CassetteRequest) -> Tuple[str, object]:
    value = json_body(request.body)
    if value is None:
        boundary = _boundary(request)
        if boundary:  # chosen at random per request: what it separates is what counts
            return ("multipart", request.body.replace(boundary, b"<boundary>"))
        return ("bytes", request.body)
    # 1 == 1.0 == True in Python; a canonical text tells them apart.
    return ("json", json.dumps(value, sort_keys=True, separators=(",", ":")))


def _headers_key(request: CassetteRequest) -> Dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items() if k.lower() != "idempotency-key"}


def _part(name: str) -> Matcher:
    def compare(recorded: CassetteRequest, live: CassetteRequest) -> bool:
        return bool(getattr(urlsplit(recorded.url), name) == getattr(urlsplit(live.url), name))

    compare.__name__ = name
    return compare


MATCHERS: Dict[str, Matcher] = {
    "method": lambda recorded, live: recorded.method.upper() == live.method.upper(),
    "scheme": _part("scheme"),
    "host": _part("hostname"),
    "port": _part("port"),
    "path": lambda recorded, live: recorded.path == live.path,
    "query": lambda recorded, live: recorded.query == live.query,
    "body": lambda recorded, live: _body_key(recorded) == _body_key(live),
    "url": lambda recorded, live: recorded.url == live.url,
    "headers": lambda recorded, live: _headers_key(recorded) == _headers_key(live),
}
"""The matchers a cassette can be told to use by name. ``"body"`` compares JSON bodies
parsed, and multipart bodies without their random boundary; ``"headers"`` compares the
headers as written (redacted), without ``Idempotency-Key`` (random per call)."""

DEFAULT_MATCH_ON = ("method", "path", "query", "body")
"""What requests are matched on unless told otherwise."""

MODES = ("none", "once", "new_episodes", "all")
"""The recording modes (vcrpy's names); ``"replay"`` is ``"none"``, ``"record"`` is ``"all"``."""

_ALIASES = {"replay": "none", "record": "all"}


def normal_mode(mode: object) -> str:
    """A mode's canonical name.

    Raises:
        InvalidArgumentError: ``mode`` is not a mode (named ``mode``).
    """
    name = _ALIASES.get(mode, mode) if isinstance(mode, str) else mode
    if name not in MODES:
        from ..core.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"mode must be one of {', '.join(MODES)} (or replay, record), got {mode!r}",
            argument="mode",
        )
    return str(name)


def matchers_for(match_on: MatchOn) -> List[Tuple[str, Matcher]]:
    """``(name, matcher)`` pairs from names and callables.

    Raises:
        InvalidArgumentError: An unknown name or a value that is not callable
            (named ``match_on``).
    """
    from ..core.errors import InvalidArgumentError

    items: List[Union[str, Matcher]] = (
        [match_on] if callable(match_on) or isinstance(match_on, str) else list(match_on)
    )
    found = []
    for item in items:
        if isinstance(item, str):
            if item not in MATCHERS:
                raise InvalidArgumentError(
                    f"match_on names one of {', '.join(MATCHERS)} or is a callable, got {item!r}",
                    argument="match_on",
                )
            found.append((item, MATCHERS[item]))
        elif callable(item):
            found.append((getattr(item, "__name__", "callable"), item))
        else:
            raise InvalidArgumentError(
                f"match_on holds matcher names or callables, got {type(item).__name__}",
                argument="match_on",
            )
    return found


class Tape:
    """The recorded exchanges, which were replayed, and the mode's verdict on each
    request: replay this exchange, record it, or refuse it.

    Args:
        exchanges: What the file holds, in order.
        mode: A canonical mode (see ``normal_mode``).
        matchers: ``(name, matcher)`` pairs.
        existed: Whether the file existed (``once`` replays it, else records).
        name: The file's name, for messages.
    """

    def __init__(
        self,
        exchanges: Sequence[Exchange],
        mode: str,
        matchers: Sequence[Tuple[str, Matcher]],
        *,
        existed: bool,
        name: str,
    ) -> None:
        self.exchanges: List[Exchange] = list(exchanges)
        self.used = [False] * len(self.exchanges)
        self.loaded = len(self.exchanges)
        self.mode = mode
        self.matchers = list(matchers)
        self.name = name
        self.replays = mode in ("none", "new_episodes") or (mode == "once" and existed)
        self.records = mode in ("new_episodes", "all") or (mode == "once" and not existed)
        self.recorded = 0

    @property
    def played(self) -> int:
        """How many of the exchanges the file held were replayed."""
        return sum(self.used[: self.loaded])

    def _fails(self, recorded: CassetteRequest, live: CassetteRequest) -> Optional[str]:
        for name, matcher in self.matchers:
            if not matcher(recorded, live):
                return name
        return None

    def take(self, live: CassetteRequest) -> Optional[Exchange]:
        """The exchange that answers ``live`` (marked replayed), or ``None`` when the
        request is to be recorded.

        Raises:
            UnmatchedRequestError: Nothing answers it and this mode records nothing.
        """
        if self.replays:
            for index, exchange in enumerate(self.exchanges):
                if not self.used[index] and self._fails(exchange.request, live) is None:
                    self.used[index] = True
                    return exchange
        if self.records:
            return None
        raise self.unmatched(live)

    def add(self, exchange: Exchange) -> None:
        """A newly recorded exchange (never replayed in this session)."""
        self.exchanges.append(exchange)
        self.used.append(True)
        self.recorded += 1

    def unmatched(self, live: CassetteRequest) -> UnmatchedRequestError:
        """The error for a request nothing answers: which request, and why."""
        path = live.path or "/"
        same = [
            (index, exchange)
            for index, exchange in enumerate(self.exchanges)
            if exchange.request.method == live.method and exchange.request.path == live.path
        ]
        if not self.exchanges:
            why = "the cassette is empty"
        elif not same:
            why = f"it holds no {live.method} {path} among its {len(self.exchanges)} exchange(s)"
        else:
            free = [(i, e) for i, e in same if not self.used[i]]
            if not free:
                why = (
                    f"its {len(same)} {live.method} {path} exchange(s) were all replayed "
                    "already (the code made this request more often than when recorded)"
                )
            else:
                index, closest = free[0]
                why = (
                    f"its closest, on line {index + 1}, differs in "
                    f"{self._fails(closest.request, live)}"
                )
        return UnmatchedRequestError(
            f"No recorded exchange in {self.name} matches {live.method} {path}: {why}. "
            "Nothing was sent. Record it with mode='new_episodes' "
            "(pytest: --meganova-record=new_episodes).",
            method=live.method,
            path=path,
            cassette=self.name,
        )
