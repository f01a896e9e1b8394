"""``client.billing``: the account balance and per-instance billing.

Paths:
- ``INSTANCE_BILLINGS_PATH`` = ``GET {v1}/billing/user-instance-billings``: the GitHub
  SDK and its tests (GPU-instance fees, not a credit balance); the base is the SDK's
  choice and unconfirmed.
- ``BALANCE_PATH`` = ``GET {api}/users/credits`` (platform base ``/api/v1``): **no
  Meganova source confirms any balance endpoint.** This path is the one the sister
  platform NebulaBlock documents (``{"data": {"available_balance": "1228.556"}, ...}``),
  the only evidence of a balance route in this API family; it is used until a live key
  settles it. The reply is read leniently (see ``get_balance``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from ..effects import Flow
from ..http import Timeout, TimeoutLike
from ..models.billing import (
    BillingBalance,
    InstanceBilling,
    InstanceBillings,
    _InstanceBillingsWire,
)
from ..models.models_ import _number
from ._facade import Resource, awaits, runs
from ._support import Envelope, call_options, convert_list, fetch_envelope, platform_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

BALANCE_PATH = "/users/credits"
INSTANCE_BILLINGS_PATH = "/billing/user-instance-billings"
_BALANCE_KEYS = ("balance", "available_balance", "credits", "amount")


class BillingResource(Resource):
    """``client.billing``: the account balance and per-instance billing."""

    __slots__ = ()

    @runs
    def get_balance(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[BillingBalance]:
        """The account balance.

        An unconfirmed endpoint: ``balance`` is read from ``balance``,
        ``available_balance``, ``credits`` or ``amount`` (strings or numbers) in ``data`` or
        at the top level; ``currency`` only when the server names it.

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``BillingBalance`` (``balance``, ``currency``, ``status``).

        Raises:
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        url = platform_url(self._engine, BALANCE_PATH)
        reply = yield from fetch_envelope(
            self._engine, "GET", url, options=options, cast_to=Envelope
        )
        payload: Any = reply.data
        if not isinstance(payload, Mapping):
            payload = {"balance": payload} if payload is not None else {}
        balance: Optional[float] = None
        for key in _BALANCE_KEYS:
            balance = _number(payload.get(key))
            if balance is not None:
                break
        currency = payload.get("currency")
        return BillingBalance(
            balance=balance,
            currency=currency if isinstance(currency, str) else None,
            status=reply.status,
            message=reply.message,
            raw=reply.data,
            request_id=reply.request_id,
        )

    @runs
    def get_user_instance_billings(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[InstanceBillings]:
        """Accumulated fees per GPU instance, and their total.

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            ``InstanceBillings``: ``data`` (an ``InstanceBilling`` each) and ``total_cost``.

        Raises:
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        wire = yield from self._engine.fetch(
            "GET", INSTANCE_BILLINGS_PATH, cast_to=_InstanceBillingsWire, options=options
        )
        return InstanceBillings(
            data=convert_list(self._engine, wire.data, InstanceBilling, what="instance billing"),
            total_cost=wire.total_cost,
            message=wire.message,
            status=wire.status,
            request_id=wire.request_id,
        )


class AsyncBillingResource(Resource):
    """``client.billing`` of ``AsyncMegaNova``: as ``BillingResource``, awaited."""

    __slots__ = ()
    get_balance = awaits(BillingResource.get_balance)
    get_user_instance_billings = awaits(BillingResource.get_user_instance_billings)
