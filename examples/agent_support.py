"""A customer-support agent: it searches a small knowledge base first, files a ticket
when a human must follow up, and every tool use is audited by a hook. The conversation
carries over from one question to the next (meganova 0.4.0's
agent_customer_support.py; its KnowledgeBase becomes a plain function).

    MEGANOVA_API_KEY=... python examples/agent_support.py
"""

from __future__ import annotations

from meganova import MegaNova
from meganova.agents import Agent, Hooks, Memory, ToolOutcome

MODEL = "meganova-ai/manta-flash-1.0"
ARTICLES = {
    "Pricing": (
        "Starter $49/month, Professional $149/month, Enterprise custom; 14-day free trial.",
        ("pricing", "cost", "price", "plan"),
    ),
    "Refund policy": (
        "Full refund within 30 days of purchase; pro-rated after that.",
        ("refund", "money back", "cancel", "charged"),
    ),
    "Account issues": (
        "Reset your password at /forgot-password; locked accounts unlock after 30 minutes.",
        ("password", "login", "locked", "account"),
    ),
}


def search_support_kb(query: str) -> str:
    """Search the support knowledge base.

    Args:
        query: Words from the customer's question.
    """
    words = query.lower()
    hits = [
        f"{title}: {text}"
        for title, (text, keys) in ARTICLES.items()
        if any(key in words for key in keys)
    ]
    return "\n".join(hits) or "No article matches."


def create_ticket(subject: str, description: str, priority: str = "medium") -> str:
    """Create a support ticket for issues needing human follow-up.

    Args:
        subject: A short title.
        description: What happened, in the customer's words.
        priority: "low", "medium" or "high".
    """
    print(f"  [TICKET CREATED] {subject} (priority: {priority})")
    return f"Ticket created: {subject!r} (priority {priority}); we reply within 24 hours."


def audit(outcome: ToolOutcome) -> None:
    print(f"  [AUDIT] {outcome.use.name}({outcome.use.arguments}) -> {len(outcome.content)} chars")


def main() -> None:
    with MegaNova() as client:
        agent = Agent(
            client,
            model=MODEL,
            system_prompt=(
                "You are Nova, a support agent. Search the knowledge base first; answer "
                "from it; create a ticket when a human must follow up; never invent facts."
            ),
            tools=[search_support_kb, create_ticket],
            hooks=Hooks(after_tool=audit),
            memory=Memory(max_turns=10),
            max_turns=5,
            name="nova-support",
        )
        for question in (
            "How much does the professional plan cost?",
            "I was charged twice for my subscription last month.",
        ):
            print(f"User: {question}")
            result = agent.run(question)
            print(f"Agent: {result.content} ({result.tool_calls_made} tool calls)\n")
        print(f"Messages remembered: {len(agent.memory)}")


if __name__ == "__main__":
    main()
