"""Image generation replies (both the native and the OpenAI-style variant)."""

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ..errors import APIResponseValidationError, MeganovaError
from .common import Model

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class ImageData(Model):
    """One image: ``b64_json`` (native variant, or ``response_format="b64_json"``) or ``url``."""

    b64_json: Optional[str] = None
    url: Optional[str] = None
    revised_prompt: Optional[str] = None
    index: Optional[int] = None
    timings: Optional[Dict[str, Any]] = None

    def to_bytes(self) -> bytes:
        """The image's bytes, decoded from ``b64_json``."""
        if self.b64_json is None:
            raise MeganovaError(
                "This image has no b64_json (only a url); ask for response_format='b64_json'",
                code="no_image_data",
            )
        text = self.b64_json
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]  # a data: URL
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise APIResponseValidationError(f"b64_json is not valid base64: {exc}") from None

    def save(self, path: PathLike) -> Path:
        """Write the image's bytes to ``path``.

        Args:
            path: Where to write (a string or a ``Path``).

        Returns:
            ``path`` as a ``Path``.

        Raises:
            MeganovaError: The reply holds a URL, not the image's bytes.
        """
        target = Path(path)
        target.write_bytes(self.to_bytes())
        return target


@dataclass
class ImageGeneration(Model):
    """The reply of ``client.images.generate``: the images in ``data``."""

    data: List[ImageData] = field(default_factory=list)
    created: Optional[int] = None
    model: Optional[str] = None
    object: Optional[str] = None
    message: Optional[str] = None
    status: Optional[str] = None
    request_id: Optional[str] = None

    def save(self, path: PathLike, index: int = 0) -> Path:
        """Save one of the images.

        Args:
            path: Where to write (a string or a ``Path``).
            index: Which image (the first by default).

        Returns:
            ``path`` as a ``Path``.

        Raises:
            MeganovaError: There is no image at ``index``, or it is a URL, not bytes.
        """
        if not 0 <= index < len(self.data):
            raise MeganovaError(
                f"No image at index {index}: the reply holds {len(self.data)}",
                code="no_image_data",
            )
        return self.data[index].save(path)
