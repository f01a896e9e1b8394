"""Print a reply piece by piece as it streams in (0.4.0: deltas read like dicts)."""

import os

from meganova import MegaNova

pieces = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"]).chat.completions.create(
    model="meganova-ai/manta-flash-1.0",
    messages=[{"role": "user", "content": "A haiku about rain on a tin roof, please."}],
    stream=True,
)
received = []
for piece in pieces:
    if not (piece.choices and piece.choices[0].delta):
        continue
    text = piece.choices[0].delta.get("content", "")
    received.append(text or "")
    print(text or "", end="", flush=True)
print()
print(f"[stream done: {len(received)} pieces, {len(''.join(received))} characters]")
