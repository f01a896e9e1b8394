"""An agent that calls two plain Python functions as tools (0.4.0 @tool)."""

import os

from meganova import MegaNova
from meganova.agents import Agent, tool


@tool("local_time", "Tell the local time in a city")
def local_time(city: str) -> str:
    return f"It is 09:30 in {city}"


@tool("add", "Add two numbers")
def add(a: float, b: float) -> str:
    return str(a + b)


helper = Agent(
    client=MegaNova(api_key=os.environ["MEGANOVA_API_KEY"]),
    model="meganova-ai/manta-flash-1.0",
    system_prompt="Use the tools when they help.",
    tools=[local_time, add],
    max_turns=4,
    temperature=0.3,
)
run = helper.run("What time is it in Lima, and what is 2.5 + 4?")
print(run.content)
print(f"turns={run.turns} tools={run.tool_calls_made} tokens={run.total_tokens}")
