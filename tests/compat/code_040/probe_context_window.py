"""How long a prompt does a model really take? Bisect on prompt size until the API refuses."""

import sys

from meganova import MegaNova, MeganovaError

nova = MegaNova()
model = sys.argv[1] if len(sys.argv) > 1 else "meganova-ai/manta-flash-1.0"

advertised = next((m.context_length for m in nova.models.list() if m.id == model), None)
print(f"{model} advertises {advertised or 'no'} context length")
lo, hi = 500, (advertised or 128_000) + 500
best = 0
while lo <= hi:
    words = (lo + hi) // 2
    try:
        answer = nova.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "word " * words}],
            max_tokens=5,
            temperature=0,
        )
    except MeganovaError as refusal:
        print(f"{words} words: refused ({refusal})")
        hi = words - 1
        continue
    best = max(best, answer.usage.prompt_tokens)
    print(f"{words} words: accepted as {answer.usage.prompt_tokens} tokens")
    lo = words + 1
print(f"Largest prompt accepted: {best} tokens")
