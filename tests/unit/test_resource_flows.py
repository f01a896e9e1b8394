"""Resource methods are written once, as flows: a flow continues another method's flow
(``yield from flow_of(...)``) and never calls the method itself, which would run a
nested call on the sync driver and hand back an unawaited coroutine on the async one."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import meganova.core.resources as package
from meganova.core.resources._facade import Resource

MODULES = sorted(
    p.stem for p in Path(package.__file__).parent.glob("*.py") if not p.stem.startswith("_")
)


def flow_methods(module: object) -> set[str]:
    names = set()
    for _, cls in inspect.getmembers(module, inspect.isclass):
        for name, member in vars(cls).items():
            if callable(member) and hasattr(member, "__wrapped__"):
                names.add(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_no_flow_calls_a_method_that_runs_a_flow(name: str) -> None:
    module = importlib.import_module(f"meganova.core.resources.{name}")
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    calls = {m for m in re.findall(r"self\.(\w+)\(", source) if m in flow_methods(module)}
    assert not calls, f"{name}: flows call {sorted(calls)} directly; use flow_of(...)"


def test_every_sync_resource_has_an_async_twin_with_the_same_methods() -> None:
    for name in MODULES:
        module = importlib.import_module(f"meganova.core.resources.{name}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or cls_name.startswith("Async"):
                continue
            if not issubclass(cls, Resource):
                continue
            public = {n for n, m in vars(cls).items() if hasattr(m, "__wrapped__")}
            if not public:
                continue
            twin = getattr(module, "Async" + cls_name)
            for method in public - {n for n in public if n.startswith("_")}:
                assert inspect.unwrap(getattr(twin, method)) is inspect.unwrap(
                    getattr(cls, method)
                ), f"{cls_name}.{method}"
