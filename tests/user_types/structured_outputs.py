"""Structured outputs as user code sees them: ``message.parsed`` is ``T | None`` for the
type passed as ``response_format`` (dataclass, TypedDict, msgspec Struct), on both
clients and in streams."""

import asyncio
from dataclasses import dataclass
from typing import List, Optional

import msgspec
from typing_extensions import TypedDict

from meganova import AsyncMegaNova, MegaNova, RefusalError
from meganova.types import ChatCompletionMessageParam, ParsedChatResponse


@dataclass
class City:
    name: str
    population: int


class Pet(TypedDict):
    name: str


class Order(msgspec.Struct):
    items: List[str]


client = MegaNova(api_key="sk-test")

resp = client.chat.completions.parse(
    messages=[{"role": "user", "content": "Oslo?"}], model="m", response_format=City
)
city: Optional[City] = resp.choices[0].message.parsed
first: Optional[City] = resp.parsed
typed: ParsedChatResponse[City] = resp
if resp.parsed is not None:
    population: int = resp.parsed.population
print(resp.choices[0].message.parsed.population)  # expect-error
wrong: Optional[Pet] = resp.choices[0].message.parsed  # expect-error
text: Optional[str] = resp.choices[0].message.content

pet = client.chat.parse(
    messages=[{"role": "user", "content": "A pet"}], model="m", response_format=Pet
)
pet_value: Optional[Pet] = pet.choices[0].message.parsed
order = client.chat.completions.parse(
    messages=[{"role": "user", "content": "Order"}], model="m", response_format=Order, temperature=0
)
items: Optional[Order] = order.parsed
ask: List[ChatCompletionMessageParam] = [{"role": "user", "content": "x"}]
client.chat.completions.parse(messages=ask, model="m")  # expect-error
client.chat.completions.parse(messages=ask, response_format=City, stream=True)  # expect-error

with client.chat.completions.stream(
    messages=[{"role": "user", "content": "Oslo?"}], model="m", response_format=City
) as stream:
    for chunk in stream:
        delta: Optional[str] = chunk.choices[0].delta.content
    final: Optional[City] = stream.get_final_response().choices[0].message.parsed

try:
    client.chat.completions.parse(
        messages=[{"role": "user", "content": "x"}], model="m", response_format=City
    )
except RefusalError as exc:
    refusal: str = exc.refusal


async def main() -> None:
    aclient = AsyncMegaNova(api_key="sk-test")
    aresp = await aclient.chat.completions.parse(
        messages=[{"role": "user", "content": "Oslo?"}], model="m", response_format=City
    )
    acity: Optional[City] = aresp.choices[0].message.parsed
    apet = await aclient.chat.parse(
        messages=[{"role": "user", "content": "Pet"}], model="m", response_format=Pet
    )
    apet_value: Optional[Pet] = apet.parsed
    astream = await aclient.chat.completions.stream(
        messages=[{"role": "user", "content": "Oslo?"}], model="m", response_format=City
    )
    async with astream:
        deltas: List[Optional[str]] = []
        async for achunk in astream:
            deltas.append(achunk.choices[0].delta.content)
        afinal: Optional[City] = (await astream.get_final_response()).parsed
    print(acity, apet_value, deltas, afinal)


asyncio.run(main())
