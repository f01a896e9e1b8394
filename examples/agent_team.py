"""Several agents together, without a team class: in a row (research, then write, then
review, each reading the previous answer) and side by side (two perspectives at once,
with AsyncMegaNova and asyncio.gather). meganova 0.4.0's agent_team.py.

    MEGANOVA_API_KEY=... python examples/agent_team.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from meganova import AsyncMegaNova, MegaNova
from meganova.agents import Agent

MODEL = "meganova-ai/manta-flash-1.0"
ROLES = {
    "researcher": "You are a research analyst: key facts and trends, under 200 words.",
    "writer": "You are a writer: turn research into engaging text, under 200 words.",
    "critic": "You are an editor: one concrete improvement, under 100 words.",
}
PERSPECTIVES = {
    "optimist": "You focus on opportunities. Be concise (under 100 words).",
    "realist": "You focus on practical risks. Be concise (under 100 words).",
}


def in_a_row(client: MegaNova, task: str) -> None:
    previous = ""
    for role, brief in ROLES.items():
        agent = Agent(client, model=MODEL, system_prompt=brief, name=role)
        prompt = task if not previous else f"{task}\n\nThe previous step wrote:\n{previous}"
        previous = agent.run(prompt).content
        print(f"--- {role.upper()} ---\n{previous[:300]}\n")


async def side_by_side(question: str) -> None:
    async with AsyncMegaNova() as client:
        agents = [
            Agent(client, model=MODEL, system_prompt=brief, name=name)
            for name, brief in PERSPECTIVES.items()
        ]
        results: Any = await asyncio.gather(*(agent.arun(question) for agent in agents))
        for agent, result in zip(agents, results):
            print(f"**{agent.name}**: {result.content}")


def main() -> None:
    print("=== In a row: research -> write -> review ===\n")
    with MegaNova() as client:
        in_a_row(client, "A brief analysis of AI agents in enterprise software")
    print("=== Side by side ===\n")
    asyncio.run(side_by_side("Should a startup build its own AI agent framework?"))


if __name__ == "__main__":
    main()
