"""Cloud agents: chat with an agent deployed on Meganova Studio, one message at a time,
then in a conversation that the SDK keeps for you.

    MEGANOVA_AGENT_KEY=agent_... python examples/cloud_agent_chat.py
"""

from __future__ import annotations

from meganova.cloud import CloudAgent


def main() -> None:
    with CloudAgent() as agent:  # reads MEGANOVA_AGENT_KEY (the key never shows in output)
        info = agent.info()
        print(f"Agent: {info.name} (available: {info.is_available})")
        print(f"Welcome: {info.welcome_message}")

        reply = agent.chat("Hello!")
        print(f"{info.name}: {reply.response}")
        print(f"  [tokens: {reply.tokens_used}, memories: {reply.memories_used}]")

        # A conversation keeps its id, the messages and any pending tool call.
        conversation = agent.conversation()
        for message in ("I need help with my account", "My email is user@example.com"):
            print(f"You: {message}")
            print(f"{info.name}: {conversation.chat(message).response}")
        print(f"Conversation {conversation.conversation_id}: {len(conversation.messages)} messages")


if __name__ == "__main__":
    main()
