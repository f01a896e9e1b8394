"""Cloud agents through their OpenAI-style completions endpoint: the whole answer,
then streamed as it arrives (the same stream type as client.chat.completions).

    MEGANOVA_AGENT_KEY=agent_... python examples/cloud_agent_streaming.py
"""

from __future__ import annotations

from meganova.cloud import CloudAgent
from meganova.errors import StreamError


def main() -> None:
    with CloudAgent() as agent:
        whole = agent.completions(
            [{"role": "user", "content": "What can you help me with? Keep it brief."}]
        )
        print(f"Model: {whole.model}")
        print(f"Response: {whole.text}")
        if whole.usage is not None:
            print(f"Tokens: {whole.usage.total_tokens}")

        print("Streamed: ", end="", flush=True)
        try:
            with agent.completions(
                [{"role": "user", "content": "Write a haiku about AI assistants."}],
                stream=True,
                max_tokens=60,
            ) as stream:  # closes the connection even if the loop stops early
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        print(chunk.choices[0].delta.content, end="", flush=True)
            print()
        except StreamError as error:  # a cut stream raises, with the text so far
            print(f"\nstream broke ({type(error).__name__}); got so far: {error.partial_text!r}")


if __name__ == "__main__":
    main()
