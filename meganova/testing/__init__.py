"""Test your own code against Meganova without a network or an account.

>>> from meganova.testing import FakeMeganova, Text, Error
>>> fake = FakeMeganova()
>>> fake.script(Error(503), Text("Ahoy!"))     # consumed in order       # doctest: +SKIP
>>> client = fake.client()                      # a MegaNova wired to it  # doctest: +SKIP

With pytest, the ``meganova_fake`` fixture (installed with the package) hands out a
fresh ``FakeMeganova`` per test.
"""

from .clock import VirtualClock
from .demo import DEMO_CHARACTER, DEMO_MODEL, luna_answer
from .fake import FakeMeganova
from .recording import RecordedRequest
from .script import Corrupt, Delay, Drop, EndEarly, Error, Json, Step, Stream, Text, ToolCall

__all__ = [
    "DEMO_CHARACTER",
    "DEMO_MODEL",
    "Corrupt",
    "Delay",
    "Drop",
    "EndEarly",
    "Error",
    "FakeMeganova",
    "Json",
    "RecordedRequest",
    "Step",
    "Stream",
    "Text",
    "ToolCall",
    "VirtualClock",
    "luna_answer",
]
