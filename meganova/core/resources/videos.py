"""``client.videos``: video generation jobs.

Paths (the sources disagree; see MEGANOVA_API.md 6.8):
- ``JOBS_PATH`` = ``POST {v1}/videos/generations`` and ``GET {v1}/videos/generations/{id}``
  (async job + polling): only on the unpublished GitHub SDK (2026-02-21). It is the only
  known variant with a job id, so ``generate``/``get``/``wait`` use it.
- ``NATIVE_PATH`` = ``POST {v1}/videos/generation`` with ``model_name`` (PyPI 0.4.0 of
  2026-03 and the MCP server: the most recent *published* form; no job id, the call
  blocks until the server answers) -> ``generate_native``; and
  ``SUPPORTED_MODELS_PATH`` = ``GET {v1}/videos/models/supported_models``.
Which variant is live is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Union
from urllib.parse import quote

from ..effects import Flow, Sleep
from ..engine import pop_call_options
from ..errors import (
    APIResponseValidationError,
    APITimeoutError,
    GenerationFailedError,
    GenerationTimeoutError,
    InvalidArgumentError,
)
from ..http import MAX_SECONDS, Timeout, TimeoutLike
from ..legacy import deprecated, legacy_redirect
from ..models.common import ResultList
from ..models.videos import NativeVideoGeneration, SupportedVideoModels, VideoGeneration
from ..validation import drop_none, optional_int, optional_str, require_number, require_str
from ._facade import Resource, awaits, flow_of, runs
from ._support import call_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import NativeVideoExtras, RetryOptions

JOBS_PATH = "/videos/generations"
NATIVE_PATH = "/videos/generation"
SUPPORTED_MODELS_PATH = "/videos/models/supported_models"
DEFAULT_SIZE = "1280x720"  # the GitHub SDK always sends these two
DEFAULT_SECONDS = 5
DEFAULT_POLL_INTERVAL = 5.0
MIN_POLL_INTERVAL = 0.1  # seconds between two polls of a job, at the least
DEFAULT_WAIT_TIMEOUT = 600.0

Job = Union[str, VideoGeneration]


class VideosResource(Resource):
    """``client.videos``: video generation jobs (start, poll, wait), and the native
    ``/videos/generation`` call of the published SDK.
    """

    __slots__ = ()

    @legacy_redirect(
        keyword="model_name",
        method="generate_native",
        old="videos.generate(model_name=...)",
        new="videos.generate_native(model_name=...)",
    )
    @runs
    def generate(
        self,
        prompt: str,
        model: str,
        *,
        size: str = DEFAULT_SIZE,
        n_seconds: int = DEFAULT_SECONDS,
        image_url: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        seed: Optional[int] = None,
        wait: bool = False,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[VideoGeneration]:
        """Start a video job (``POST /videos/generations``); with ``wait=True`` poll it until
        it completes (see ``wait``).

        Args:
            prompt: What the video shows.
            model: The video model, e.g. ``"google/veo-3.1-fast"``.
            size: ``"WIDTHxHEIGHT"`` (default ``"1280x720"``).
            n_seconds: Length in seconds (default 5).
            image_url: An image to start from (image to video).
            aspect_ratio: E.g. ``"16:9"``, for models that take it.
            seed: A seed for reproducible output.
            wait: Poll the job until it completes before returning.
            poll_interval: Seconds between two polls when waiting (at least 0.1).
            wait_timeout: Most seconds to wait in all.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields merged into the JSON body, for API fields this signature lacks.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``VideoGeneration`` job (completed, with its ``url``, when ``wait=True``).

        Raises:
            GenerationFailedError: The job failed (``wait=True``), with the server's reason.
            GenerationTimeoutError: ``wait_timeout`` passed first (``wait=True``).
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        body = drop_none(
            {
                "prompt": require_str("prompt", prompt),
                "model": require_str("model", model),
                "size": require_str("size", size),
                "n_seconds": optional_int("n_seconds", n_seconds, minimum=1),
                "image_url": optional_str("image_url", image_url),
                "aspect_ratio": optional_str("aspect_ratio", aspect_ratio),
                "seed": optional_int("seed", seed),
            }
        )
        if not isinstance(wait, bool):
            raise InvalidArgumentError("wait must be True or False", argument="wait")
        if wait:
            _check_wait(poll_interval, wait_timeout)
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        job = yield from self._engine.fetch(
            "POST", JOBS_PATH, cast_to=VideoGeneration, json=body, options=options
        )
        if not wait:
            return job
        done: VideoGeneration = yield from flow_of(VideosResource.wait)(
            self,
            job,
            poll_interval=poll_interval,
            wait_timeout=wait_timeout,
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return done

    @runs
    def get(
        self,
        video_id: str,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        deadline: Optional[float] = None,
    ) -> Flow[VideoGeneration]:
        """The job's current state (``GET /videos/generations/{id}``).

        Args:
            video_id: The job's id.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            deadline: Total seconds for this call, retries included.

        Returns:
            The ``VideoGeneration``.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        video_id = require_str("video_id", video_id)
        options = call_options(timeout, extra_headers, extra_query, extra_body, deadline=deadline)
        path = f"{JOBS_PATH}/{quote(video_id, safe='')}"
        return (
            yield from self._engine.fetch("GET", path, cast_to=VideoGeneration, options=options)
        )

    @runs
    def wait(
        self,
        job: Job,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Flow[VideoGeneration]:
        """Poll a job until it completes, and return it.

        Each poll is bounded by what is left of ``wait_timeout``.

        Args:
            job: The job's id, or a ``VideoGeneration``.
            poll_interval: Seconds between two polls (at least 0.1).
            wait_timeout: Most seconds to wait in all.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.

        Returns:
            The completed ``VideoGeneration``.

        Raises:
            GenerationFailedError: The job failed, with the server's reason.
            GenerationTimeoutError: ``wait_timeout`` passed first.
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        _check_wait(poll_interval, wait_timeout)
        if isinstance(job, VideoGeneration):
            current: Optional[VideoGeneration] = job
            if not isinstance(job.id, str) or not job.id.strip():
                # a job object comes from the server: a missing id is its fault
                raise APIResponseValidationError(
                    "The video job has no id, so it cannot be polled",
                    request_id=job.request_id,
                )
            video_id = job.id
        else:
            current = None
            video_id = require_str("job", job)
        clock = self._engine.clock
        ends_at = clock.monotonic() + wait_timeout
        last = current
        while True:
            if current is None:
                try:
                    current = yield from flow_of(VideosResource.get)(
                        self,
                        video_id,
                        timeout=timeout,
                        extra_headers=extra_headers,
                        extra_query=extra_query,
                        deadline=max(ends_at - clock.monotonic(), 1e-3),
                    )
                except APITimeoutError as exc:
                    if ends_at - clock.monotonic() > 0:
                        raise
                    # The last poll had what was left of the wait (next to nothing): the
                    # wait ran out, which is what the caller hears about.
                    raise GenerationTimeoutError(
                        f"Video generation {video_id} still "
                        f"{(last.status if last else None) or 'pending'} after {wait_timeout:g}s",
                        job_id=video_id,
                        job=last,
                        request_id=last.request_id if last else None,
                    ) from exc
                last = current
            if current.done:
                return current
            if current.failed:
                reason = current.error_message
                raise GenerationFailedError(
                    f"Video generation {video_id} {current.status}: {reason or 'no reason given'}",
                    reason=reason,
                    job_id=video_id,
                    job=current,
                    request_id=current.request_id,
                )
            remaining = ends_at - clock.monotonic()
            if remaining <= 0:
                raise GenerationTimeoutError(
                    f"Video generation {video_id} still {current.status or 'pending'} after "
                    f"{wait_timeout:g}s",
                    job_id=video_id,
                    job=current,
                    request_id=current.request_id,
                )
            yield Sleep(min(poll_interval, remaining))
            current = None

    @runs
    def generate_native(
        self,
        model_name: str,
        prompt: Optional[str] = None,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[NativeVideoExtras],
    ) -> Flow[NativeVideoGeneration]:
        """The published SDK's call: ``POST /videos/generation`` with ``model_name`` and
        model-specific keys. It answers when the video is done; give it a long ``timeout``
        (the MCP server waits 300 s). Other keys go in ``extra_body``.

        Args:
            model_name: The video model.
            prompt: What the video shows.
            duration: Length in seconds, for models that take it.
            resolution: E.g. ``"720p"``, for models that take it.
            aspect_ratio: E.g. ``"16:9"``, for models that take it.
            seed: A seed for reproducible output.
            max_retries: Retries for this call only (``None``: the client's).
            deadline: Total seconds for this call, every attempt and wait included.
            idempotency_key: The ``Idempotency-Key`` header (one is generated otherwise;
                it stays the same across retries).
            max_response_bytes: Largest reply body accepted for this call (``None``: no cap).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields merged into the JSON body, for API fields this signature lacks.

        Returns:
            A ``NativeVideoGeneration``.

        Raises:
            GenerationFailedError: The reply says the generation failed.
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        fields: dict[str, Any] = dict(params)
        sdk_options = pop_call_options(fields)
        body = drop_none(
            {
                **fields,
                "model_name": require_str("model_name", model_name),
                "prompt": optional_str("prompt", prompt),
            }
        )
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        result = yield from self._engine.fetch(
            "POST", NATIVE_PATH, cast_to=NativeVideoGeneration, json=body, options=options
        )
        if (result.status or "").lower() in ("failed", "error"):
            raise GenerationFailedError(
                f"Video generation failed: {result.message or 'no reason given'}",
                reason=result.message,
                job=result,
                request_id=result.request_id,
            )
        return result

    @runs
    def supported_models(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[SupportedVideoModels]:
        """Models the native variant accepts.

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            ``SupportedVideoModels`` (``model_names`` lists their ids).

        Raises:
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (
            yield from self._engine.fetch(
                "GET", SUPPORTED_MODELS_PATH, cast_to=SupportedVideoModels, options=options
            )
        )

    @runs
    def list_models(self) -> Flow[ResultList[str]]:
        """0.4.0's name: the supported model names (a ``list`` of ``str``, which
        ``meganova.response_info`` reads too). Write
        ``videos.supported_models().model_names``."""
        deprecated("videos.list_models()", "videos.supported_models().model_names")
        models = yield from flow_of(VideosResource.supported_models)(self)
        return ResultList(models.model_names)


def _check_wait(poll_interval: object, wait_timeout: object) -> None:
    # Below MIN_POLL_INTERVAL a wait turns into a flood of GETs (0 meant thousands a second).
    require_number("poll_interval", poll_interval, minimum=MIN_POLL_INTERVAL, maximum=MAX_SECONDS)
    if require_number("wait_timeout", wait_timeout) <= 0:
        raise InvalidArgumentError("wait_timeout must be positive", argument="wait_timeout")


class AsyncVideosResource(Resource):
    """``client.videos`` of ``AsyncMegaNova``: as ``VideosResource``, awaited."""

    __slots__ = ()
    generate = awaits(VideosResource.generate)
    get = awaits(VideosResource.get)
    wait = awaits(VideosResource.wait)
    generate_native = awaits(VideosResource.generate_native)
    supported_models = awaits(VideosResource.supported_models)
    list_models = awaits(VideosResource.list_models)
