"""Structured outputs: ask for a type, get an instance of it back. The reply is read
into a dataclass (a TypedDict, msgspec.Struct or pydantic model works the same way),
whole or streamed; a refusal or a cut reply is a typed error, not a bad object.

    MEGANOVA_API_KEY=... python examples/structured_outputs.py
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import List, Optional

from meganova import LengthFinishReasonError, MegaNova, RefusalError
from meganova.types import ChatCompletionMessageParam

MODEL = "meganova-ai/manta-flash-1.0"


class Mood(Enum):
    CALM = "calm"
    BUSY = "busy"
    STORMY = "stormy"


@dataclass
class Stall:
    """One stall of the night market."""

    name: str
    sells: List[str]
    open_late: bool


@dataclass
class MarketReport:
    district: str
    mood: Mood
    stalls: List[Stall]
    warning: Optional[str]  # Optional: the model may answer null


def main() -> None:
    client = MegaNova()
    ask: List[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Report on the Neon Harbor night market."}
    ]

    resp = client.chat.completions.parse(messages=ask, model=MODEL, response_format=MarketReport)
    report = resp.choices[0].message.parsed
    if report is not None:
        print(f"{report.district}: {report.mood.value}, {len(report.stalls)} stall(s)")
        for stall in report.stalls:
            print(f"  {stall.name} sells {', '.join(stall.sells)}")

    with client.chat.completions.stream(
        messages=ask, model=MODEL, response_format=MarketReport
    ) as stream:
        pieces = sum(1 for _ in stream)
        final = stream.get_final_response().parsed
    print(f"streamed in {pieces} chunk(s); same report: {final == report}")

    for max_tokens in (4, None):
        try:
            client.chat.completions.parse(
                messages=ask, model=MODEL, response_format=MarketReport, max_tokens=max_tokens
            )
        except LengthFinishReasonError:
            print(f"max_tokens={max_tokens}: the JSON was cut; allow more tokens")
        except RefusalError as e:
            print(f"refused: {e.refusal}")


if __name__ == "__main__":
    main()
