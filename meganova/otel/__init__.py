"""OpenTelemetry tracing and metrics for Meganova calls (``pip install 'meganova[otel]'``).

>>> import meganova.otel
>>> client = meganova.otel.instrument(MegaNova())          # doctest: +SKIP

Each call becomes a CLIENT span following the OpenTelemetry GenAI semantic conventions
(``chat {model}``, with ``gen_ai.operation.name``, ``gen_ai.request.model``,
``gen_ai.response.model``, token usage, finish reasons, ``server.address``...), with a
child span per HTTP attempt and a ``meganova.retry`` event per retry; a streamed call's
span ends when its stream ends, however it ends. Metrics:
``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage`` and, for streams,
``gen_ai.client.operation.time_to_first_chunk``. Message content is recorded only when
asked for (``capture_content=True``, or
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``). The API key never is.

Only ``opentelemetry-api`` is needed at run time; without it ``instrument`` does
nothing and warns once.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import TYPE_CHECKING, Any, Optional, TypeVar

if TYPE_CHECKING:
    from ..client import _Client

__all__ = ["instrument", "is_instrumented", "hooks", "uninstrument"]

C = TypeVar("C", bound="_Client")
MISSING = (
    "meganova.otel.instrument() does nothing: OpenTelemetry is not installed "
    "(pip install 'meganova[otel]')"
)
_warned = False
_lock = threading.Lock()


def _available() -> bool:
    try:
        import opentelemetry.metrics
        import opentelemetry.trace  # noqa: F401
    except ImportError:
        return False
    return True


def _warn_missing() -> None:
    global _warned
    with _lock:
        if _warned:
            return
        _warned = True
    warnings.warn(MISSING, RuntimeWarning, stacklevel=3)


def hooks(
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    capture_content: Optional[bool] = None,
    redactor: Any = None,
) -> Any:
    """The hooks that trace calls, to give a client yourself
    (``MegaNova(hooks=meganova.otel.hooks())``); ``instrument`` is the one-call way.

    Args:
        tracer_provider: Where spans go (default: the global tracer provider).
        meter_provider: Where metrics go (default: the global meter provider).
        capture_content: Record message content on spans; ``None`` reads
            ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``.
        redactor: Scrubs secrets from recorded content (``instrument`` passes the
            client's).

    Returns:
        A ``Hooks`` bundle, or ``None`` (after one warning) without OpenTelemetry.
    """
    if not _available():
        _warn_missing()
        return None
    from ..core.hooks import Hooks
    from . import _semconv
    from ._telemetry import Telemetry

    if capture_content is None:
        capture_content = _semconv.capture_from_env(os.environ)
    telemetry = Telemetry(
        tracer_provider,
        meter_provider,
        capture_content=bool(capture_content),
        redact=None if redactor is None else redactor.text,
    )
    return Hooks(
        on_call_start=telemetry.on_call_start,
        on_request=telemetry.on_request,
        on_response=telemetry.on_response,
        on_retry=telemetry.on_retry,
        on_stream_first_token=telemetry.on_stream_first_token,
        on_stream_end=telemetry.on_stream_end,
        on_call_end=telemetry.on_call_end,
    )


def instrument(
    client: C,
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    capture_content: Optional[bool] = None,
) -> C:
    """Trace every call ``client`` makes (``MegaNova``, ``AsyncMegaNova`` or a Cloud
    agent client, any transport); the clients ``client.with_options(...)`` makes later
    are traced too.
    Instrumenting a client twice replaces the first instrumentation.

    Args:
        client: The client to instrument (changed in place).
        tracer_provider: Where spans go (default: the global tracer provider).
        meter_provider: Where metrics go (default: the global meter provider).
        capture_content: Record message content (``gen_ai.input.messages``,
            ``gen_ai.output.messages``) on spans; ``None`` (the default) reads
            ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (``true`` opts in).

    Returns:
        ``client`` itself, so ``client = instrument(MegaNova())`` works.
    """
    bundle = hooks(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        capture_content=capture_content,
        redactor=getattr(getattr(client, "engine", None), "redactor", None),
    )
    if bundle is None:
        return client
    uninstrument(client)  # instrumenting again replaces, never doubles
    client.add_hooks(bundle)
    return client


def uninstrument(client: Any) -> None:
    """Stop tracing ``client``'s calls (its other hooks stay; clients made from it by
    ``with_options`` before keep theirs).

    Args:
        client: A client given to ``instrument``.
    """
    ours = _our_hooks(client)
    if ours is not None:
        client.remove_hooks(ours)


def is_instrumented(client: Any) -> bool:
    """Whether ``instrument`` traces ``client``'s calls.

    Args:
        client: A ``MegaNova`` or ``AsyncMegaNova``.
    """
    return _our_hooks(client) is not None


def _our_hooks(client: Any) -> Any:
    """The hooks ``instrument`` gave ``client`` (``None``: it has none)."""
    if not _available():
        return None
    from ..core.hooks import EVENT_NAMES, Hooks
    from ._telemetry import Telemetry

    current = client.hooks
    found = {
        name: [
            h for h in current.handlers(name) if isinstance(getattr(h, "__self__", None), Telemetry)
        ]
        for name in EVENT_NAMES
    }
    if not any(found.values()):
        return None
    return Hooks(**{name: tuple(handlers) for name, handlers in found.items() if handlers})
