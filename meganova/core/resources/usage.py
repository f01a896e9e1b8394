"""``client.usage``: usage over a time range.

Path (``USAGE_PATH``): ``GET {v1}/usage/time_range`` with ``start_time``/``end_time``
comes from the GitHub SDK and its tests only; the reply schema is unknown (the one
fixture is ``{"data": [], "message", "status"}``), and the base (``/v1`` vs the
platform ``/api/v1``) is unconfirmed. ``group_by``, ``user_id`` and ``api_key`` are the
guideline's filters, sent as query parameters of the same names: whether the server
reads them is not known. ``team_id`` is what the GitHub SDK sends ("the actual API
requires team_id", per its comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Union

from ..effects import Flow
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from ..http import Timeout, TimeoutLike
from ..models.usage import UsageRow, UsageSummary
from ..validation import optional_int, optional_str
from ._facade import Resource, awaits, runs
from ._support import Envelope, call_options, convert_tolerant, fetch_envelope

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

USAGE_PATH = "/usage/time_range"
# The one first-party example sends "YYYY-MM-DD HH:MM:SS" in UTC; date-only strings
# (as in the SDK's tests) are sent as they are.
WIRE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_ROW_LIST_KEYS = ("rows", "items", "details", "records", "usage", "data")

TimeArg = Union[str, datetime, date]


def _not_iso(name: str, value: object) -> InvalidArgumentError:
    return InvalidArgumentError(f"{name} is not an ISO-8601 date or time: {value!r}", argument=name)


def parse_time(name: str, value: object) -> tuple[datetime, str]:
    """``(instant in UTC, wire text)`` for an ISO-8601 string, ``datetime`` or ``date``.
    Naive times are taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc), str(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidArgumentError(f"{name} must not be empty", argument=name)
        if len(text) == 10:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise _not_iso(name, value) from None
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc), text
        iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            raise _not_iso(name, value) from None
    else:
        raise InvalidArgumentTypeError(
            f"{name} must be an ISO-8601 string, datetime or date, got {type(value).__name__}",
            argument=name,
        )
    moment = (
        moment.replace(tzinfo=timezone.utc)
        if moment.tzinfo is None
        else moment.astimezone(timezone.utc)
    )
    return moment, moment.strftime(WIRE_TIME_FORMAT)


@dataclass
class _UsageWire(Envelope):
    rows: Any = None
    items: Any = None
    usage: Any = None


def _rows_of(data: Any) -> Any:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in _ROW_LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
    return []


class UsageResource(Resource):
    """``client.usage``: tokens and cost over a time range."""

    __slots__ = ()

    @runs
    def summary(
        self,
        *,
        from_: TimeArg,
        to: TimeArg,
        group_by: Optional[str] = None,
        user_id: Optional[str] = None,
        api_key: Optional[str] = None,
        team_id: Optional[int] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[UsageSummary]:
        """Usage between ``from_`` and ``to``. Every row the server sends is kept.

        Args:
            from_: The start: an ISO-8601 string, a ``datetime`` or a ``date`` (naive times
                are UTC); not after ``to``.
            to: The end, in the same forms.
            group_by: How rows are grouped, e.g. ``"day"`` or ``"model"``.
            user_id: Only this user's usage.
            api_key: Only the usage of this API key (a key id or the key).
            team_id: Only this team's usage.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``UsageSummary``: ``rows``, and ``total_tokens`` / ``total_cost`` summed over them.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        start, start_text = parse_time("from_", from_)
        end, end_text = parse_time("to", to)
        if start > end:
            raise InvalidArgumentError(
                f"from_ ({start_text}) is after to ({end_text})", argument="from_"
            )
        query = {
            "start_time": start_text,
            "end_time": end_text,
            "group_by": optional_str("group_by", group_by),
            "user_id": optional_str("user_id", user_id),
            "api_key": optional_str("api_key", api_key),
            "team_id": optional_int("team_id", team_id),
        }
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        reply = yield from fetch_envelope(
            self._engine, "GET", USAGE_PATH, query=query, options=options, cast_to=_UsageWire
        )
        data = reply.data
        if data is None:  # not enveloped: keep whichever row list came at the top level
            data = next((v for v in (reply.rows, reply.items, reply.usage) if v is not None), None)
        rows: List[UsageRow] = []
        for item in _rows_of(data):
            row = convert_tolerant(self._engine, item, UsageRow, what="usage row")
            if row is not None:
                row.raw = dict(item)
                rows.append(row)
        return UsageSummary(
            rows=rows,
            data=data,
            message=reply.message,
            status=reply.status,
            from_=start_text,
            to=end_text,
            group_by=group_by,
            request_id=reply.request_id,
        )


class AsyncUsageResource(Resource):
    """``client.usage`` of ``AsyncMegaNova``: as ``UsageResource``, awaited."""

    __slots__ = ()
    summary = awaits(UsageResource.summary)
