"""An agent that runs Python inside a locked-down Docker sandbox (0.4.0 agents)."""

import os

from meganova.agents.sandbox.base import SandboxConfig
from meganova.agents.sandbox.docker_provider import DockerSandbox
from meganova.agents.tools.base import ToolDefinition

from meganova import MegaNova
from meganova.agents import Agent

box = DockerSandbox(SandboxConfig(image="python:3.12-slim", memory_mb=256, network_enabled=False))


def run_python(source: str) -> str:
    box.write_file("/workspace/job.py", source)
    ran = box.execute("python /workspace/job.py", timeout=20)
    return ran.stdout if ran.exit_code == 0 else f"exit {ran.exit_code}: {ran.stderr}"


runner = ToolDefinition(
    name="run_python",
    description="Run a Python snippet in the sandbox and return its output.",
    func=run_python,
    parameters={
        "type": "object",
        "properties": {"source": {"type": "string"}},
        "required": ["source"],
    },
)
analyst = Agent(
    client=MegaNova(api_key=os.environ["MEGANOVA_API_KEY"]),
    model="meganova-ai/manta-flash-1.0",
    system_prompt="Answer maths questions by running code.",
    tools=[runner],
    max_turns=3,
)
box.start()
try:
    found = analyst.run("Which of the first 15 triangular numbers are even?")
    print(found.content, f"- {found.turns} turns")
finally:
    box.stop()
