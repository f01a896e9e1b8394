"""A bulk run on a Dask cluster: a bag of requests, each partition run by the bulk-run
loop in a worker, the account's rate limit shared by the whole cluster.

    pip install 'meganova[dask]'
    MEGANOVA_API_KEY=... python examples/batch_dask.py
"""

from __future__ import annotations

from dask.bag import from_sequence  # pyright: ignore[reportUnknownVariableType]  (Dask: partly typed)
from distributed import Client

from meganova import MegaNova
from meganova.batch.dask import map_partitions


def main() -> None:
    requests = [
        {
            "custom_id": f"review-{i}",
            "method": "chat.create",
            "params": {
                "model": "meganova-ai/manta-flash-1.0",
                "messages": [
                    {"role": "system", "content": "Label the review positive or negative."},
                    {"role": "user", "content": f"Review #{i}: the ferry was on time."},
                ],
                "max_tokens": 5,
            },
        }
        for i in range(200)
    ]
    # A real cluster: Client("scheduler-address:8786"). Here two local workers.
    with Client(n_workers=2, processes=False):
        bag = from_sequence(requests, npartitions=8)
        results = map_partitions(
            bag, MegaNova(), concurrency=32, max_requests_per_minute=6000
        ).compute()
    ok = [r for r in results if r["error"] is None]
    print(f"{len(ok)} of {len(results)} labelled")
    first = results[0]
    print(first["custom_id"], "->", first["response"]["body"]["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
