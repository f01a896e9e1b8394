"""Meganova Python SDK.

``from meganova import MegaNova, MeganovaError``. Heavy modules load on first use, so
``import meganova`` stays fast.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .core.errors import MeganovaError

if TYPE_CHECKING:
    from .client import MegaNova

__all__ = ["MegaNova", "MeganovaError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "MegaNova":
        from .client import MegaNova

        return MegaNova
    raise AttributeError(f"module 'meganova' has no attribute {name!r}")
