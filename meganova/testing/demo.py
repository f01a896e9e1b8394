"""The built-in demo character, Luna of Neon Harbor, and the fake's model catalogue."""

from __future__ import annotations

from typing import Any

DEMO_MODEL = "meganova-ai/manta-flash-1.0"
"""The model id the demo and the fake answer as by default."""

DEMO_CHARACTER = {
    "name": "Luna",
    "home": "Neon Harbor",
    "persona": "A cheerful night-market guide in the rain-soaked port city of Neon Harbor.",
}
"""Luna, the demo character: her name, home and persona."""

_ANSWERS = (
    (
        ("how are you", "how're you", "how do you do"),
        "I'm doing wonderfully, thank you for asking! The neon signs over the harbor are "
        "flickering to life, and the night market smells of rain and grilled squid. "
        "What brings you to Neon Harbor tonight?",
    ),
    (
        ("neon harbor", "city", "tonight", "harbor"),
        "Neon Harbor tonight is all reflections: pink and cyan signs shimmering in the "
        "puddles, ferries humming across the bay, and lantern-lit stalls selling noodles "
        "until dawn. Stay close, I know every shortcut.",
    ),
    (
        ("who are you", "your name", "about you"),
        "I'm Luna, a guide in Neon Harbor. I know the best noodle stalls, the quietest "
        "rooftops and every ferry timetable by heart.",
    ),
    (
        ("hello", "hi", "hey", "good evening"),
        "Hi there! I'm Luna, your guide to Neon Harbor. The rain just stopped and the "
        "market is opening. Where shall we start?",
    ),
)

_FALLBACK = (
    "That's a good question for a night like this. Here in Neon Harbor we'd talk it "
    "over with a bowl of noodles by the water. Tell me more, and I'll do my best to help."
)


def luna_answer(prompt: str) -> str:
    """Luna's deterministic answer to a user message (what the fake and ``--offline`` say).

    Args:
        prompt: The last user message.

    Returns:
        The answer text.
    """
    words = prompt.lower().replace(",", " ").replace("!", " ").replace("?", " ")
    padded = f" {' '.join(words.split())} "
    for keys, answer in _ANSWERS:
        if any(f" {key} " in padded for key in keys):
            return answer
    return _FALLBACK


def catalogue() -> list[dict[str, Any]]:
    """The models the fake knows (``GET /models``), in the live API's shape."""

    def model(
        model_id: str,
        name: str,
        context: int | None,
        tags: list[str],
        modality: str,
        default: bool = False,
        prompt: str = "0",
        completion: str = "0",
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": model_id,
            "object": "model",
            "owned_by": model_id.split("/")[0],
            "name": name,
            "created": 1764547200,
            "tags": tags,
            "default": default,
            "pricing": {"prompt": prompt, "completion": completion},
            "architecture": {"modality": modality},
            "capabilities": {"chat": "chat" in tags, "vision": "vision" in tags},
        }
        if context is not None:
            item["context_length"] = context
        return item

    return [
        model("meganova-ai/manta-mini-1.0", "Manta Mini 1.0", 8192, ["chat"], "text->text"),
        model(DEMO_MODEL, "Manta Flash 1.0", 32768, ["chat"], "text->text", default=True),
        model(
            "meganova-ai/manta-pro-1.0",
            "Manta Pro 1.0",
            65536,
            ["chat", "premium"],
            "text->text",
            prompt="0.0000005",
            completion="0.0000015",
        ),
        model(
            "Qwen/Qwen3-235B-A22B-Instruct-2507",
            "Qwen3 235B Instruct",
            262144,
            ["chat"],
            "text->text",
            prompt="0.0000002",
            completion="0.0000006",
        ),
        model(
            "Qwen/Qwen2.5-VL-7B-Instruct",
            "Qwen2.5 VL 7B",
            32768,
            ["chat", "vision"],
            "text+image->text",
        ),
        model("BAAI/bge-m3", "BGE M3", 8192, ["embeddings"], "text->embedding"),
        model("BAAI/bge-reranker-v2-m3", "BGE Reranker v2 M3", 8192, ["rerank"], "text->score"),
        model("black-forest-labs/FLUX.1-dev", "FLUX.1 dev", None, ["image"], "text->image"),
        model("google/veo-3.1-fast", "Veo 3.1 Fast", None, ["video"], "text->video"),
        model(
            "Systran/faster-whisper-large-v3",
            "Faster Whisper Large v3",
            None,
            ["audio"],
            "audio->text",
        ),
    ]
