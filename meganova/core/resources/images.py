"""``client.images``: text to image.

Paths (the sources disagree; see MEGANOVA_API.md 6.6):
- ``NATIVE_PATH`` = ``POST {v1}/images/generation`` (singular; ``width``/``height``,
  ``num_steps``, ``guidance_scale``, ``seed``...; reply ``{data: [{b64_json}], message,
  status}``). Used by every *published* artifact (PyPI 0.4.0 of 2026-03, PyPI 0.3.0, the
  MCP server): the most recent published evidence, so it is tried first.
- ``OPENAI_PATH`` = ``POST {v1}/images/generations`` (plural, OpenAI schema: ``n``,
  ``size``, ``response_format``...). Only on the unpublished GitHub SDK (2026-02-21).
Which one is live is unknown. When the native path answers 404/405, the call is sent
once to the OpenAI-style path (and this resource remembers the one that worked).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, Mapping, Optional

from ..effects import Flow
from ..engine import Engine
from ..errors import APIError, GenerationFailedError, InvalidArgumentError
from ..http import Timeout, TimeoutLike
from ..models.images import ImageGeneration
from ..validation import drop_none, optional_int, optional_number, optional_str, require_str
from ._facade import Resource, Runner, awaits, runs
from ._support import call_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

NATIVE_PATH = "/images/generation"
OPENAI_PATH = "/images/generations"
# The published SDK (PyPI 0.4.0) sends 1280x720 when no size is given.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1280, 720
RESPONSE_FORMATS = ("url", "b64_json")
_SIZE = re.compile(r"^([1-9][0-9]{0,4})[xX]([1-9][0-9]{0,4})$")
_FAILED = frozenset({"failed", "failure", "error"})


def resolve_size(
    size: Optional[str], width: Optional[int], height: Optional[int]
) -> tuple[int, int, bool]:
    """``(width, height, given)`` from ``size="WxH"`` or ``width``/``height``."""
    width = optional_int("width", width, minimum=1)
    height = optional_int("height", height, minimum=1)
    if size is not None:
        size = require_str("size", size)
        match = _SIZE.match(size.strip())
        if match is None:
            raise InvalidArgumentError(
                f"size must look like '1024x1024', got {size!r}", argument="size"
            )
        w, h = int(match.group(1)), int(match.group(2))
        if (width is not None and width != w) or (height is not None and height != h):
            raise InvalidArgumentError(
                "size disagrees with width/height; give one or the other", argument="size"
            )
        return w, h, True
    if (width is None) != (height is None):
        missing = "height" if height is None else "width"
        raise InvalidArgumentError(
            f"{missing} is needed when the other dimension is given", argument=missing
        )
    if width is None or height is None:
        return DEFAULT_WIDTH, DEFAULT_HEIGHT, False
    return width, height, True


class _Images(Resource):
    """What both flavours of ``client.images`` keep: which path answers."""

    __slots__ = ("_lock", "_path")

    def __init__(self, engine: Engine, run: Runner) -> None:
        super().__init__(engine, run)
        self._path = NATIVE_PATH  # the OpenAI path once the native one answered 404/405
        self._lock = threading.Lock()

    def _send(self, path: str, body: dict[str, Any], options: Any) -> Flow[ImageGeneration]:
        result = yield from self._engine.fetch(
            "POST", path, cast_to=ImageGeneration, json=body, options=options
        )
        status = (result.status or "").lower()
        if status in _FAILED or (not result.data and status not in ("", "success", "ok")):
            reason = result.message or f"status {result.status}"
            raise GenerationFailedError(
                f"Image generation failed: {reason}",
                reason=result.message,
                job=result,
                request_id=result.request_id,
            )
        return result


class ImagesResource(_Images):
    """``client.images``: text to image."""

    __slots__ = ()

    @runs
    def generate(
        self,
        prompt: str,
        model: str,
        *,
        size: Optional[str] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        n: Optional[int] = None,
        num_steps: Optional[int] = None,
        guidance_scale: Optional[float] = None,
        seed: Optional[int] = None,
        negative_prompt: Optional[str] = None,
        response_format: Optional[str] = None,
        max_sequence_length: Optional[int] = None,
        quality: Optional[str] = None,
        style: Optional[str] = None,
        image: Optional[str] = None,
        mask: Optional[str] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[ImageGeneration]:
        """Generate images.

        Args:
            prompt: What to draw.
            model: The image model, e.g. ``"black-forest-labs/FLUX.1-dev"``.
            size: ``"WIDTHxHEIGHT"``, e.g. ``"1024x768"`` (or give ``width`` and ``height``;
                the default is 1280x720).
            width: Width in pixels.
            height: Height in pixels.
            n: How many images.
            num_steps: Diffusion steps.
            guidance_scale: How closely to follow the prompt.
            seed: A seed for reproducible images.
            negative_prompt: What to keep out of the image.
            response_format: ``"b64_json"`` or ``"url"``.
            max_sequence_length: Longest prompt, in tokens, the model reads.
            quality: The model's quality setting, e.g. ``"hd"``.
            style: The model's style setting, e.g. ``"vivid"``.
            image: A base64 source image (image to image).
            mask: A base64 mask of what to repaint (inpainting, with ``image``).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields merged into the JSON body, for API fields this signature lacks.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            An ``ImageGeneration``; ``save(path)`` and ``data[i].to_bytes()`` give the images.

        Raises:
            GenerationFailedError: The reply says the generation failed (with its message).
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        prompt = require_str("prompt", prompt)
        model = require_str("model", model)
        w, h, size_given = resolve_size(size, width, height)
        if response_format is not None and response_format not in RESPONSE_FORMATS:
            raise InvalidArgumentError(
                f"response_format must be one of {RESPONSE_FORMATS}, got {response_format!r}",
                argument="response_format",
            )
        common = {
            "model": model,
            "prompt": prompt,
            "n": optional_int("n", n, minimum=1),
            "num_steps": optional_int("num_steps", num_steps, minimum=1),
            "guidance_scale": optional_number("guidance_scale", guidance_scale),
            "seed": optional_int("seed", seed),
            "negative_prompt": optional_str("negative_prompt", negative_prompt),
            "response_format": response_format,
            "quality": optional_str("quality", quality),
            "style": optional_str("style", style),
        }
        native = drop_none(
            {
                **common,
                "width": w,
                "height": h,
                "max_sequence_length": optional_int(
                    "max_sequence_length", max_sequence_length, minimum=1
                ),
                "image": optional_str("image", image),
                "mask": optional_str("mask", mask),
            }
        )
        openai = drop_none(
            {
                **common,
                "n": common["n"] or 1,
                "size": f"{w}x{h}" if size_given else None,
                "image": native.get("image"),
                "mask": native.get("mask"),
            }
        )
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        path = self._path
        try:
            result = yield from self._send(path, native if path == NATIVE_PATH else openai, options)
        except APIError as exc:
            if path != NATIVE_PATH or exc.status not in (404, 405):
                raise
            try:
                result = yield from self._send(OPENAI_PATH, openai, options)
            except APIError as second:
                if second.status in (404, 405):
                    raise exc from None
                raise
            with self._lock:
                self._path = OPENAI_PATH
        return result


class AsyncImagesResource(_Images):
    """``client.images`` of ``AsyncMegaNova``: as ``ImagesResource``, awaited."""

    __slots__ = ()
    generate = awaits(ImagesResource.generate)
