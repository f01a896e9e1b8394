"""Streaming: print the answer as it arrives, then the whole reply; the OpenAI-style
call; and what a broken stream gives you.

    MEGANOVA_API_KEY=... python examples/streaming.py
"""

from __future__ import annotations

from meganova import MegaNova
from meganova.errors import StreamError

MODEL = "meganova-ai/manta-flash-1.0"


def main() -> None:
    with MegaNova() as client:
        # The guideline's stream: each chunk's .delta is the new text.
        with client.chat.stream(
            messages=[{"role": "user", "content": "Tell me about Neon Harbor at night."}],
            model=MODEL,
            max_tokens=200,
        ) as stream:
            for chunk in stream:
                print(chunk.delta, end="", flush=True)
            print()
            final = stream.get_final_response()  # text joined, usage kept
            print(f"[finish reason: {final.choices[0].finish_reason}]")

        # The OpenAI-style call: chunks with .choices[0].delta.content.
        try:
            completion = client.chat.completions.create(
                messages=[{"role": "user", "content": "Say hi in three languages."}],
                model=MODEL,
                stream=True,
            )
            with completion:  # closes the connection even if the loop stops early
                for part in completion:
                    if part.choices and part.choices[0].delta.content:
                        print(part.choices[0].delta.content, end="", flush=True)
            print()
        except StreamError as error:
            # A stream never ends silently: a cut or a corrupt event raises, with what came.
            print(f"\nstream broke ({type(error).__name__}); got so far: {error.partial_text!r}")


if __name__ == "__main__":
    main()
