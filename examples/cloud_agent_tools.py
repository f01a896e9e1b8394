"""Cloud agents that ask first: some agent tools (open a ticket, send an email) wait for
a person's approval. The conversation shows the pending tool call; approve or refuse it.

    MEGANOVA_AGENT_KEY=agent_... python examples/cloud_agent_tools.py
"""

from __future__ import annotations

from meganova.cloud import CloudAgent, PendingToolCall

# In a real application a person decides (a dialog, a chat button); here, a policy.
ALLOWED_TOOLS = {"create_ticket"}


def allowed(tool: PendingToolCall) -> bool:
    return tool.tool_name in ALLOWED_TOOLS


def main() -> None:
    with CloudAgent() as agent:
        conversation = agent.conversation()
        for message in (
            "I need to create a support ticket for a login issue",
            "Also email my manager about it",
        ):
            print(f"You: {message}")
            print(f"Agent: {conversation.chat(message).response}")
            tool = conversation.pending_tool_call
            if tool is None:
                print("(no approval needed)")
                continue
            print(f"--- the agent asks to run {tool.tool_name}: {tool.description}")
            print(f"    arguments: {tool.tool_arguments}")
            result = conversation.confirm() if allowed(tool) else conversation.reject()
            print(f"{'approved' if allowed(tool) else 'refused'} -> Agent: {result.response}")
        print(f"Conversation {conversation.conversation_id}: {len(conversation.messages)} messages")


if __name__ == "__main__":
    main()
