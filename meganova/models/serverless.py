"""0.4.0's ``meganova.models.serverless``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from .._compat.removed import unavailable
from ..core.models.serverless import ServerlessModel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.serverless import ServerlessCatalogue as ServerlessModelsResponse

ModelTags = unavailable(
    __name__, "ModelTags", "a response model", "`model.tags` is a dict now: model.tags['modality']."
)
ModelRestrictions = unavailable(
    __name__,
    "ModelRestrictions",
    "a response model",
    "`model.restrictions` holds the server's value as sent.",
)

__all__ = ["ModelRestrictions", "ModelTags", "ServerlessModel", "ServerlessModelsResponse"]

__getattr__ = renamed(
    __name__,
    {
        "ServerlessModelsResponse": ("meganova.core.models.serverless", "ServerlessCatalogue"),
    },
)
