"""``meganova.batch.dask.map_partitions`` on a ``distributed.LocalCluster`` with two
workers against a local server: every request once, the partitions spread over both
workers, and the cluster as a whole keeping to the rate limit."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from meganova import MegaNova
from meganova.core.errors import InvalidArgumentError

from .server import ChatServer, chat_requests

dask_bag = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")

from meganova.batch.dask import map_partitions  # noqa: E402


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    # processes=False: two workers in this process (inproc comms) start in a second
    # and still run partitions in parallel, one semaphore and one scheduler between them
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
            silence_logs=40,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def test_a_bag_runs_on_both_workers_once_each_within_the_clusters_rate(cluster: Any) -> None:
    n, rpm = 120, 4800  # 80/s for the cluster: 40/s for each of the two slots
    with ChatServer(delay=0.005) as server:
        client = MegaNova(api_key="sk-test", base_url=server.base_url)
        bag = dask_bag.from_sequence(chat_requests(n), npartitions=8)
        with distributed.get_task_stream(client=cluster) as stream:
            records = map_partitions(
                bag, client, concurrency=8, max_requests_per_minute=rpm
            ).compute()
        arrivals = sorted(t for t, _ in server.arrivals)
        tags = server.tags()
    assert [r["custom_id"] for r in records] == [f"r{i}" for i in range(n)]
    assert all(r["error"] is None and r["response"]["status_code"] == 200 for r in records)
    assert sorted(tags) == sorted(f"r{i}" for i in range(n))  # each sent once
    ran_on = {t["worker"] for t in stream.data if "_bag_partition" in t["key"][0]}
    assert len(ran_on) == 2
    # Two slots of 40/s, evenly spaced: 120 requests take about 1.5 s. Two workers
    # each taking the whole 80/s would be done in 0.75 s.
    assert arrivals[-1] - arrivals[0] >= 1.2


def test_bad_options_are_named(cluster: Any) -> None:
    bag = dask_bag.from_sequence(chat_requests(2), npartitions=1)
    client = MegaNova(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(InvalidArgumentError) as caught:
        map_partitions(bag, client, slots=0)
    assert caught.value.argument == "slots"
    with pytest.raises(InvalidArgumentError) as caught:
        map_partitions(bag, client, column="prompt")
    assert caught.value.argument == "column"
