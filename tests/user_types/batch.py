"""Bulk runs as a user types them: the summary's and results' fields, the options."""

from __future__ import annotations

from typing import List, Optional

import meganova.batch
from meganova import AsyncMegaNova, MegaNova
from meganova.batch import BatchResult, BatchSummary, InvalidBatchItemError


def label(client: MegaNova) -> int:
    seen: List[BatchResult] = []
    summary: BatchSummary = meganova.batch.run(
        client,
        "prompts.jsonl",
        output="results.jsonl",
        resume=True,
        concurrency=32,
        max_requests_per_minute=600,
        max_tokens_per_minute=100_000,
        on_result=seen.append,
    )
    ids: List[Optional[str]] = [r.custom_id for r in seen if r.ok and r.attempts >= 1]
    line: int = seen[0].line
    errors = [r.error for r in seen if isinstance(r.error, InvalidBatchItemError)]
    meganova.batch.run(client, "prompts.jsonl", concurency=3)  # expect-error
    return (
        summary.succeeded
        + summary.failures.get("RateLimitError", 0)
        + len(ids)
        + line
        + len(errors)
    )


async def embed(client: AsyncMegaNova) -> float:
    summary = await meganova.batch.arun(
        client, [{"method": "embeddings.create", "params": {"input": "a", "model": "m"}}]
    )
    return summary.elapsed + summary.total_tokens
