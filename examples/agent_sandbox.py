"""An agent that runs Python it writes, in a separate, isolated interpreter with a time
limit, after a hook has looked at the code (meganova 0.4.0's agent_sandboxed.py). The SDK
has no sandboxes of its own: any function is a tool, so use the isolation you trust
(a container, a VM, a service) inside it.

    MEGANOVA_API_KEY=... python examples/agent_sandbox.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from typing import Optional

from meganova import MegaNova
from meganova.agents import Agent, Deny, Hooks, ToolUse

MODEL = "meganova-ai/manta-flash-1.0"
FORBIDDEN = ("import os", "import subprocess", "import socket", "open(")


def execute_python(code: str) -> str:
    """Run a Python program and return what it printed.

    Args:
        code: The whole program; print the results.
    """
    with tempfile.TemporaryDirectory() as workdir:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code],  # -I: no site-packages, no env, no cwd
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    if done.returncode != 0:
        return f"exit {done.returncode}:\n{done.stderr[-2000:]}"
    return done.stdout[-4000:]


def review(use: ToolUse) -> Optional[Deny]:
    """A before_tool hook: refuse code that reaches outside the interpreter."""
    code = str(use.arguments.get("code", ""))
    for pattern in FORBIDDEN:
        if pattern in code:
            return Deny(f"{pattern!r} is not allowed; compute it in plain Python")
    return None


def main() -> None:
    with MegaNova() as client:
        analyst = Agent(
            client,
            model=MODEL,
            system_prompt="You are a data analyst. Use execute_python for calculations.",
            tools=[execute_python],
            hooks=Hooks(before_tool=review),
            max_turns=5,
            name="data-analyst",
        )
        result = analyst.run(
            "Calculate the first 20 Fibonacci numbers and find which ones are prime."
        )
        print(f"Agent: {result.content}")
        print(f"Turns: {result.turns}, tool calls: {result.tool_calls_made}")


if __name__ == "__main__":
    main()
