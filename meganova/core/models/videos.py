"""Video generation jobs (``/videos/generations`` + polling) and the native variant."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .common import Model

COMPLETED_STATUSES = frozenset({"completed", "succeeded", "success", "done"})
FAILED_STATUSES = frozenset(
    {"failed", "failure", "error", "errored", "cancelled", "canceled", "expired", "rejected"}
)


@dataclass
class VideoGeneration(Model):
    """A video job. ``status`` is an open string: ``queued``, ``processing``/``running``,
    ``completed``, ``failed`` have been seen or are likely; others are polled on."""

    id: str = ""
    status: Optional[str] = None
    object: Optional[str] = None
    created_at: Optional[int] = None
    model: Optional[str] = None
    url: Optional[str] = None
    error: Any = None
    estimated_cost: Optional[float] = None
    progress: Optional[float] = None
    request_id: Optional[str] = None

    @property
    def done(self) -> bool:
        """Whether the job completed."""
        return (self.status or "").lower() in COMPLETED_STATUSES

    @property
    def failed(self) -> bool:
        """Whether the job failed (``error_message`` says why)."""
        return (self.status or "").lower() in FAILED_STATUSES

    @property
    def error_message(self) -> Optional[str]:
        """The server's reason for a failure, from ``error.message`` or ``error``."""
        error = self.error
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("code")
            return None if message is None else str(message)
        if error is None or isinstance(error, bool):
            return None
        return str(error)


@dataclass
class NativeVideoGeneration(Model):
    """``POST /videos/generation`` (published SDK 0.4.0): ``{status, message, data}``."""

    status: Optional[str] = None
    message: Optional[str] = None
    data: Any = None
    request_id: Optional[str] = None


@dataclass
class SupportedVideoModels(Model):
    """``GET /videos/models/supported_models``: items are strings or objects (unknown)."""

    data: List[Any] = field(default_factory=list)
    request_id: Optional[str] = None

    @property
    def model_names(self) -> List[str]:
        """The ids of the supported models."""
        names: List[str] = []
        for item in self.data:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, Dict) and isinstance(item.get("model_name"), str):
                names.append(item["model_name"])
        return names
