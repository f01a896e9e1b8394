"""Agents in a row (draft, then edit) and side by side (two opinions) with AgentTeam (0.4.0)."""

import os

from meganova import MegaNova
from meganova.agents import Agent, AgentTeam

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])


def persona(name: str, brief: str) -> Agent:
    return Agent(client=nova, model="meganova-ai/manta-flash-1.0", system_prompt=brief, name=name)


relay = AgentTeam()
relay.add(persona("drafter", "Write a 100-word draft."), role="drafter")
relay.add(persona("editor", "Tighten the draft you are given."), role="editor")
chain = relay.run_sequential("Why do cities plant trees along streets?")
for who, step in zip(chain.agents_used, chain.results):
    print(f"[{who}] {step.content[:120]}")

panel = AgentTeam()
panel.add(persona("fan", "Argue for it, briefly."), role="fan")
panel.add(persona("sceptic", "Argue against it, briefly."), role="sceptic")
print(panel.run_parallel("Should every team write its own agent framework?").final_content)
