"""Chat: one question, the whole answer, then a follow-up that keeps the history.

MEGANOVA_API_KEY=... python examples/chat.py
"""

from __future__ import annotations

from meganova import MegaNova
from meganova.types import ChatCompletionMessageParam

MODEL = "meganova-ai/manta-flash-1.0"


def main() -> None:
    with MegaNova() as client:  # reads MEGANOVA_API_KEY
        history: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": "You are Luna, a guide in Neon Harbor. Be brief."},
            {"role": "user", "content": "What should I see tonight?"},
        ]
        resp = client.chat.create(messages=history, model=MODEL, temperature=0.7, max_tokens=200)
        answer = resp.text  # the first choice's content ("" when there is none)
        print("Luna:", answer)
        if resp.usage is not None:  # the API may leave usage out
            print(f"[{resp.usage.total_tokens} tokens, request id {resp.request_id}]")

        history.append({"role": "assistant", "content": answer})
        history.append({"role": "user", "content": "And where do I eat after that?"})
        follow_up = client.chat.create(messages=history, model=MODEL, max_tokens=200)
        print("Luna:", follow_up.choices[0].message.content or "")


if __name__ == "__main__":
    main()
