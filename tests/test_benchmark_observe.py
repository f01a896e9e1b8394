"""``benchmarks/observe.py`` (hooks, metadata and OTel overhead) still runs: every
variant on both clients, in-process with a handful of calls, and its report names them
all. No timing is asserted: the lead's benchmark run measures."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def observe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    for name in [k for k in os.environ if k.startswith("OTEL_")]:
        monkeypatch.delenv(name)  # the API-only variant must get the no-op tracer
    import observe as module

    yield module
    sys.modules.pop("observe", None)
    sys.modules.pop("server", None)


def test_every_variant_runs_on_both_clients_and_is_reported(observe: Any) -> None:
    figures = {}
    for flavour, work in (("sync", observe.workload_sync), ("async", observe.workload_async)):
        for name, by_variant in work(None, 1, 3, 1).items():
            figures[f"{flavour}_{name}"] = by_variant
    for workload, by_variant in figures.items():
        missing = [v for v in observe.VARIANTS if len(by_variant[v]) != 1]
        assert not missing, f"{workload}: {missing} did not run (renamed driver hook?)"
    plan = {"rounds": 1, "wire": (3, 1), "inproc": (3, 1)}
    text = observe.report(
        {
            "plan": plan,
            "figures": {"wire": figures, "inproc": figures},
            "load": (0, 0, 0),
            "seconds": 1,
        }
    )
    for variant in observe.VARIANTS:
        assert text.count(observe.LABELS[variant]) >= 2
    assert "n/a" not in text
