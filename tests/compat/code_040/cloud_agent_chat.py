"""Talk to an agent deployed on MegaNova Cloud: one message, then a conversation (0.4.0)."""

import os

from meganova.cloud import CloudAgent

bot = CloudAgent(api_key=os.environ["STUDIO_AGENT_KEY"])
about = bot.info()
print(f"{about.name} (available: {about.is_available}) says: {about.welcome_message}")

single = bot.chat("Hi there")
print(single.response, f"[{single.tokens_used} tokens, {single.memories_used} memories]")

thread = bot.conversation()
for line in ("My order has not arrived", "Order number 4471"):
    print(">", line)
    print(thread.chat(line).response)
print(f"conversation {thread.conversation_id}: {len(thread.messages)} messages")
