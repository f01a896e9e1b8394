"""The async client of 0.4.0's GitHub main: one answer, then a stream."""

import asyncio

from meganova import AsyncMegaNova


async def main() -> None:
    async with AsyncMegaNova() as nova:
        hello = await nova.chat.completions.create(
            model="meganova-ai/manta-flash-1.0",
            messages=[{"role": "user", "content": "Greet me in two languages."}],
        )
        print(hello.choices[0].message.content)
        chunks = await nova.chat.completions.create(
            model="meganova-ai/manta-flash-1.0",
            messages=[{"role": "user", "content": "Spell 'async'."}],
            stream=True,
        )
        async for chunk in chunks:
            print(chunk.choices[0].delta.get("content", ""), end="")
        print()


asyncio.run(main())
