"""0.4.0's ``meganova.models.models_``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from ..core.models.models_ import ModelInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.models_ import ModelList as ModelListResponse

__all__ = ["ModelInfo", "ModelListResponse"]

__getattr__ = renamed(
    __name__,
    {
        "ModelListResponse": ("meganova.core.models.models_", "ModelList"),
    },
)
