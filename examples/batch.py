"""A bulk run: 1,000 prompts from a JSONL file, results to another, resumed after an
interruption with nothing done twice.

    MEGANOVA_API_KEY=... python examples/batch.py
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import meganova.batch
from meganova import MegaNova

PROMPTS = Path("prompts.jsonl")
RESULTS = Path("results.jsonl")


def write_prompts(n: int) -> None:
    """One request per line; the OpenAI Batch API's line shape works as well."""
    with PROMPTS.open("w") as f:
        for i in range(n):
            request = {
                "custom_id": f"prompt-{i}",
                "method": "chat.create",
                "params": {
                    "model": "meganova-ai/manta-flash-1.0",
                    "messages": [{"role": "user", "content": f"Write a haiku about harbor #{i}."}],
                    "max_tokens": 60,
                },
            }
            f.write(json.dumps(request) + "\n")


def main() -> None:
    write_prompts(1000)
    RESULTS.unlink(missing_ok=True)
    with MegaNova() as client:
        # A first run that stops early (as a crash, Ctrl-C or a kill would): 400 done.
        with PROMPTS.open() as f:
            first = meganova.batch.run(
                client,
                (json.loads(line) for line in itertools.islice(f, 400)),
                output=RESULTS,
                concurrency=32,
                max_requests_per_minute=6000,
            )
        print(f"first run: {first.succeeded} succeeded")

        # Run the whole file again with resume=True: only what is missing is sent.
        summary = meganova.batch.run(
            client,
            PROMPTS,
            output=RESULTS,
            resume=True,
            concurrency=32,
            max_requests_per_minute=6000,
            max_tokens_per_minute=1_000_000,
        )
    print(f"resumed: {summary.skipped} skipped, {summary.succeeded} succeeded")
    print(summary)

    ids = [json.loads(line)["custom_id"] for line in RESULTS.read_text().splitlines()]
    print(f"{len(ids)} result lines, {len(set(ids))} distinct ids")
    first_line = json.loads(RESULTS.read_text().splitlines()[0])
    print("a result:", first_line["custom_id"], "->", first_line["response"]["body"]["choices"][0]["message"]["content"][:40])


if __name__ == "__main__":
    main()
