"""Test your own code against Meganova without a network or an account.

>>> from meganova.testing import FakeMeganova, Text, Error
>>> fake = FakeMeganova()
>>> fake.script(Error(503), Text("Ahoy!"))     # consumed in order       # doctest: +SKIP
>>> client = fake.client()                      # a MegaNova wired to it  # doctest: +SKIP

With pytest, the ``meganova_fake`` fixture (installed with the package) hands out a
fresh ``FakeMeganova`` per test. To record real exchanges once and replay them
offline, use a ``Cassette`` (or the ``meganova_cassette`` fixture). Writing a
transport of your own? Run the transport contract against it:
``meganova.testing.contract``.

Names load on first use: pytest imports this package for the plugin in every session,
and a session that uses no fixture should pay nothing for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cassette import AsyncCassetteTransport, Cassette, CassetteTransport
    from .cassette_errors import CassetteError, CassetteFormatError, UnmatchedRequestError
    from .cassette_format import CassetteRequest, CassetteResponse, Exchange, RecordedError
    from .clock import VirtualClock
    from .demo import DEMO_CHARACTER, DEMO_MODEL, luna_answer
    from .fake import FakeMeganova
    from .recording import RecordedRequest
    from .script import (
        Corrupt,
        Delay,
        Drop,
        EndEarly,
        Error,
        Json,
        Refusal,
        Step,
        Stream,
        Text,
        ToolApproval,
        ToolCall,
        ToolCalls,
    )
    from .serve import FakeServer

# public name -> submodule that defines it
_LAZY = {
    "AsyncCassetteTransport": "cassette",
    "Cassette": "cassette",
    "CassetteTransport": "cassette",
    "CassetteError": "cassette_errors",
    "CassetteFormatError": "cassette_errors",
    "UnmatchedRequestError": "cassette_errors",
    "CassetteRequest": "cassette_format",
    "CassetteResponse": "cassette_format",
    "Exchange": "cassette_format",
    "RecordedError": "cassette_format",
    "FakeServer": "serve",
    "VirtualClock": "clock",
    "DEMO_CHARACTER": "demo",
    "DEMO_MODEL": "demo",
    "luna_answer": "demo",
    "FakeMeganova": "fake",
    "RecordedRequest": "recording",
    **{
        name: "script"
        for name in (
            "Corrupt",
            "Delay",
            "Drop",
            "EndEarly",
            "Error",
            "Json",
            "Refusal",
            "Step",
            "Stream",
            "Text",
            "ToolApproval",
            "ToolCall",
            "ToolCalls",
        )
    },
}

__all__ = [
    "DEMO_CHARACTER",
    "DEMO_MODEL",
    "AsyncCassetteTransport",
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteRequest",
    "CassetteResponse",
    "CassetteTransport",
    "Corrupt",
    "Delay",
    "Drop",
    "EndEarly",
    "Error",
    "Exchange",
    "FakeMeganova",
    "FakeServer",
    "Json",
    "RecordedError",
    "RecordedRequest",
    "Refusal",
    "Step",
    "Stream",
    "Text",
    "ToolApproval",
    "ToolCall",
    "ToolCalls",
    "UnmatchedRequestError",
    "VirtualClock",
    "luna_answer",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'meganova.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
