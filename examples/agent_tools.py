"""An agent with two tools: the model decides when to call them, the agent runs them and
sends the results back until the model answers (meganova 0.4.0's agent_with_tools.py).

    MEGANOVA_API_KEY=... python examples/agent_tools.py
"""

from __future__ import annotations

import ast
import operator
from typing import Callable, Dict, Literal

from meganova import MegaNova
from meganova.agents import Agent

MODEL = "meganova-ai/manta-flash-1.0"
OPERATORS: Dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b,
}


def get_weather(city: str, units: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the current weather for a city.

    Args:
        city: The city, e.g. "Tokyo".
        units: The temperature unit.
    """
    degrees = "22C" if units == "celsius" else "72F"
    return f"Weather in {city}: {degrees}, partly cloudy"


def calculate(expression: str) -> float:
    """Evaluate an arithmetic expression (+, -, *, / and parentheses).

    Args:
        expression: The expression, e.g. "15 * 7 + 23".
    """

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](value(node.left), value(node.right))
        raise ValueError("only numbers and + - * / are allowed")  # the model reads this

    return value(ast.parse(expression, mode="eval").body)


def main() -> None:
    with MegaNova() as client:
        agent = Agent(
            client,
            model=MODEL,
            system_prompt="You are a helpful assistant with weather and calculator tools.",
            tools=[get_weather, calculate],
            max_turns=5,
            temperature=0.7,
        )
        result = agent.run("What's the weather in Tokyo? Also, what's 15 * 7 + 23?")
        print(f"Response: {result.content}")
        print(f"Turns: {result.turns}")
        print(f"Tool calls: {result.tool_calls_made}")
        print(f"Tokens: {result.usage.total_tokens}")
        print(f"Stop reason: {result.stop_reason}")


if __name__ == "__main__":
    main()
