"""A help-desk agent: a keyword knowledge base, a ticket tool and an audit hook (0.4.0 agents)."""

import os

from meganova.agents.hooks import Hook, HookContext, HookResult, HookType
from meganova.agents.tools.knowledge import KnowledgeBase, KnowledgeEntry

from meganova import MegaNova
from meganova.agents import Agent, tool

faq = KnowledgeBase(
    [
        KnowledgeEntry(
            title="Plans",
            content="Basic $10, Team $40 a month.",
            keys=["price", "plan"],
            priority=5,
        ),
        KnowledgeEntry(
            title="Refunds", content="Refunds within 14 days.", keys=["refund"], priority=5
        ),
    ]
)


@tool("open_ticket", "File a ticket for a human to follow up")
def open_ticket(subject: str, urgency: str = "normal") -> str:
    return f"ticket filed: {subject} [{urgency}]"


def log_tool(ctx: HookContext) -> HookResult:
    print("tool used:", ctx.tool_name, ctx.tool_args)
    return HookResult(allow=True)


helpdesk = Agent(
    client=MegaNova(api_key=os.environ["MEGANOVA_API_KEY"]),
    model="meganova-ai/manta-flash-1.0",
    system_prompt="Look things up in the FAQ first; file a ticket when unsure.",
    tools=[faq.to_tool("faq_lookup"), open_ticket],
    hooks=[Hook(HookType.POST_TOOL_USE, log_tool)],
    max_turns=4,
    name="helpdesk",
)
for question in ("What does the Team plan cost?", "My card was charged twice."):
    outcome = helpdesk.run(question)
    print(f"Q: {question}\nA: {outcome.content} ({outcome.tool_calls_made} tool calls)")
