"""0.4.0's ``meganova.models.usage``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from ..core.models.usage import UsageSummary

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.usage import UsageRow as UsageDetail

__all__ = ["UsageDetail", "UsageSummary"]

__getattr__ = renamed(
    __name__,
    {
        "UsageDetail": ("meganova.core.models.usage", "UsageRow"),
    },
)
