"""0.4.0's ``meganova.resources`` modules: the classes behind ``client.chat``,
``client.models``, ... The client builds its resources itself now; any name imported
from here (``meganova.resources.chat.Chat``, ...) fails on use saying so."""

from __future__ import annotations

from .._compat.removed import install_finder, stand_ins

FEATURE = "a resource class"
INSTEAD = "The client creates its resources: use client.chat, client.models, client.videos, ..."

install_finder(__name__ + ".", FEATURE, INSTEAD)

__getattr__ = stand_ins(__name__, FEATURE, INSTEAD)
