"""The package version (the guideline's ``meganova/version.py``)."""

from ._version import __version__

__all__ = ["__version__"]
