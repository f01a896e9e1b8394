"""Response types as user code sees them: text is ``str | None``, usage is optional,
pricing is a ``ModelPricing``, and every model serialises."""

from typing import Any, Dict, List, Optional

from meganova import MegaNova
from meganova.types import ChatMessage, ModelInfo, ModelPricing, TokenUsage

client = MegaNova(api_key="sk-test")
resp = client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="m")
message = resp.choices[0].message
content: Optional[str] = message.content
parts: Optional[List[Any]] = message.content_parts
usage: Optional[TokenUsage] = resp.usage
if resp.usage is not None:
    total: int = resp.usage.total_tokens
text: str = resp.text.strip() + (message.content or "").strip()
message.content.strip()  # expect-error
print(resp.usage.total_tokens)  # expect-error
ChatMessage(role="user", content="Hi")
ChatMessage(role="user", content=[{"type": "text", "text": "Hi"}])  # expect-error

model: ModelInfo = client.models.get("meganova-ai/manta-flash-1.0")
pricing: Optional[ModelPricing] = model.pricing
if model.pricing is not None:
    per_1k: Optional[float] = model.pricing.prompt_tokens_per_1k
modalities: Optional[List[str]] = model.modalities

as_dict: Dict[str, Any] = resp.to_dict()
as_json: str = resp.to_json(indent=2)
dumped: Dict[str, Any] = model.model_dump(exclude_none=False)
dumped_json: str = model.model_dump_json()

vectors = client.embeddings.create(input=["neon"], model="BAAI/bge-m3")
if vectors.usage is not None:
    prompt_tokens: int = vectors.usage.prompt_tokens
first_vector: List[float] = vectors.embeddings[0]

catalogue = client.models.list()
catalogue_json: str = catalogue.to_json()
first_model: ModelInfo = catalogue[0]
