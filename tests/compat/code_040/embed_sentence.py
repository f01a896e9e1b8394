"""Turn one sentence into a vector."""

import os

from meganova import MegaNova

result = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"]).embeddings.create(
    model="text-embedding-3-small",
    input="Pack my box with five dozen liquor jugs",
)
vector = result.data[0].embedding
print(f"{len(result.data)} vector(s) from {result.model}, {len(vector)} numbers long")
print("first values:", [round(x, 3) for x in vector[:3]])
if result.usage:
    print("prompt tokens billed:", result.usage.prompt_tokens)
