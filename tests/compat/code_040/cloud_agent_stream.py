"""A Cloud agent through its OpenAI-style completions endpoint, whole and streamed (0.4.0)."""

import os

from meganova.cloud import CloudAgent

bot = CloudAgent(api_key=os.environ["STUDIO_AGENT_KEY"])

whole = bot.completions(messages=[{"role": "user", "content": "What are you for?"}])
print(whole.model, "->", whole.choices[0].message.content, f"({whole.usage.total_tokens} tokens)")

for bit in bot.completions(messages=[{"role": "user", "content": "Count to three."}], stream=True):
    print(bit.choices[0].delta.content or "", end="")
print()
