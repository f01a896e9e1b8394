"""The public surface is documented, and the API reference shows all of it.

    python -m tests.docs_coverage        # lists what is missing; exit status 1 if anything

The surface is what users reach: ``MegaNova`` and every resource behind its properties
(``client.chat.completions`` included), everything ``meganova.types``,
``meganova.errors``, ``meganova.testing`` and ``meganova.testing.contract`` export
(models, streams, errors, the fake and its steps, the transport contract), the Cloud
agent clients and their replies (``meganova.cloud``), and the pytest fixtures. Each
must appear in a ``::: name`` directive of docs/ (what mkdocs renders), have a
docstring, and so must its public methods and properties; every parameter a caller
can pass (every overload's, the signatures only type checkers see included) must be
described in the ``Args:`` section (Google style).
For the classes users build themselves (the client, the fake, its steps, ``Timeout``)
that holds for the constructor's parameters too. The package is read statically with
griffe, as mkdocstrings reads it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Classes users construct: their constructor's parameters need words too. The others
# (response models, errors, streams, resources) are built by the SDK.
CONSTRUCTED_BY_USERS = frozenset(
    {
        "meganova.client.MegaNova",
        "meganova.core.http.Timeout",
        "meganova.testing.fake.FakeMeganova",
        "meganova.testing.clock.VirtualClock",
        "meganova.testing.cassette.Cassette",
        "meganova.testing.cassette.CassetteTransport",
        "meganova.testing.cassette.AsyncCassetteTransport",
        "meganova.agents.runner.Agent",
        "meganova.agents.toolbox.Tool",
        "meganova.agents.history.Memory",
        "meganova.agents.policy.Hooks",
        "meganova.cloud.agent.CloudAgent",
        *(
            f"meganova.testing.script.{step}"
            for step in (
                "Text",
                "Stream",
                "ToolCall",
                "Refusal",
                "ToolCalls",
                "Error",
                "Drop",
                "EndEarly",
                "Corrupt",
                "Delay",
                "Json",
                "ToolApproval",
            )
        ),
    }
)


@dataclass(frozen=True)
class Gap:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def public_paths() -> Dict[str, str]:
    """public name -> the path of the object that defines it."""
    import meganova.errors
    import meganova.testing
    import meganova.types
    from meganova import client
    from meganova.testing import contract

    paths = {"meganova.MegaNova": "meganova.client.MegaNova"}
    for attribute, slot in vars(client.MegaNova).items():
        if isinstance(slot, client._ResourceSlot):
            paths[f"client.{attribute}"] = (
                f"meganova.core.resources.{slot.module}.{slot.class_name}"
            )
    paths["client.chat.completions"] = "meganova.core.resources.chat.ChatCompletions"
    for name in meganova.types.__all__:
        paths[f"meganova.types.{name}"] = f"meganova.{meganova.types._HOME[name]}.{name}"
    for name in meganova.errors.__all__:
        paths[f"meganova.errors.{name}"] = f"meganova.core.errors.{name}"
    import meganova.schema

    for name in meganova.schema.__all__:
        value = getattr(meganova.schema, name)
        paths[f"meganova.schema.{name}"] = f"{value.__module__}.{name}"
    for name in meganova.testing.__all__:
        module = meganova.testing._LAZY[name]
        paths[f"meganova.testing.{name}"] = f"meganova.testing.{module}.{name}"
    for name in contract.__all__:
        paths[f"meganova.testing.contract.{name}"] = (
            f"meganova.testing.contract.{contract._LAZY[name]}.{name}"
        )
    import meganova.agents

    for name in meganova.agents.__all__:
        value = getattr(meganova.agents, name)
        home = value.__module__ if isinstance(value, type) or callable(value) else ""
        if not home.startswith("meganova."):  # a type alias (AgentEvent, StopReason)
            home = "meganova.agents.events"
        paths[f"meganova.agents.{name}"] = f"{home}.{name}"
    cloud = {
        "CloudAgent": "meganova.cloud.agent.CloudAgent",
        "AsyncCloudAgent": "meganova.cloud.agent.AsyncCloudAgent",
        "CloudAgent methods": "meganova.core.resources.agents.AgentMethods",
        "AsyncCloudAgent methods": "meganova.core.resources.agents.AsyncAgentMethods",
        "Conversation": "meganova.core.resources.agents.Conversation",
        "AsyncConversation": "meganova.core.resources.agents.AsyncConversation",
        "ConversationState": "meganova.core.resources.agents.ConversationState",
        "AgentInfo": "meganova.core.models.agents.AgentInfo",
        "AgentChatResponse": "meganova.core.models.agents.AgentChatResponse",
        "PendingToolCall": "meganova.core.models.agents.PendingToolCall",
    }
    for name, home in cloud.items():
        paths[f"meganova.cloud.{name}"] = home

    import meganova.otel

    for name in meganova.otel.__all__:
        paths[f"meganova.otel.{name}"] = f"meganova.otel.{name}"
    for fixture in ("meganova_fake", "meganova_client", "meganova_cassette"):
        paths[f"fixture {fixture}"] = f"meganova.testing.pytest_plugin._{fixture}"
    batch_homes = {
        "run": "meganova.batch._runner",
        "arun": "meganova.batch._runner",
        "BatchResult": "meganova.core.batch.results",
        "BatchSummary": "meganova.core.batch.results",
        "InvalidBatchItemError": "meganova.core.batch.items",
    }
    for name, home in batch_homes.items():
        paths[f"meganova.batch.{name}"] = f"{home}.{name}"
    paths["meganova.batch.dask.map_partitions"] = "meganova.batch.dask.map_partitions"
    return paths


def _blank(docstring: Any) -> bool:
    return docstring is None or not docstring.value.strip()


def _documented(*docstrings: Any) -> Set[str]:
    """Parameter names the ``Args:`` (or ``Other Parameters:``) sections describe."""
    import griffe

    names: Set[str] = set()
    for docstring in docstrings:
        if docstring is None:
            continue
        for section in griffe.parse_google(docstring, warnings=False):
            if section.kind in (
                griffe.DocstringSectionKind.parameters,
                griffe.DocstringSectionKind.other_parameters,
            ):
                names.update(p.name.lstrip("*") for p in section.value)
    return names


def _unpacked_keys(parameter: Any) -> Optional[List[str]]:
    """The keys of ``**kwargs: Unpack[TD]`` (a TypedDict of ``meganova.core.params``)."""
    import meganova.core.params

    match = re.fullmatch(r"Unpack\[(\w+)\]", str(parameter.annotation or ""))
    if match is None:
        return None
    return list(getattr(meganova.core.params, match.group(1)).__annotations__)


def _parameters(function: Any, documented: Set[str] = frozenset()) -> List[str]:
    """The parameters a caller can name: every overload's and the signature's (whose
    ``**kwargs`` the overloads spell out, when there are overloads)."""
    import griffe

    variants = [*(function.overloads or []), function]
    variadic = (griffe.ParameterKind.var_positional, griffe.ParameterKind.var_keyword)
    seen: List[str] = []
    for variant in variants:
        for parameter in variant.parameters:
            if parameter.name in ("self", "cls"):
                continue
            unpacked = _unpacked_keys(parameter)
            if unpacked is not None:
                # **params: Unpack[TD] is documented as TD's keys, or as a whole
                names = [parameter.name] if parameter.name in documented else unpacked
                seen.extend(n for n in names if n not in seen)
                continue
            if parameter.kind in variadic and function.overloads:
                continue
            if parameter.name not in seen:
                seen.append(parameter.name)
    return seen


def _check_function(path: str, function: Any, gaps: List[Gap], *extra: Any) -> None:
    if _blank(function.docstring) and not extra:
        gaps.append(Gap(path, "no docstring"))
        return
    documented = _documented(function.docstring, *extra)
    parameters = _parameters(function, documented)
    missing = [p for p in parameters if p not in documented]
    if missing:
        gaps.append(Gap(path, f"parameters missing from Args: {', '.join(missing)}"))
    stale = sorted(documented - set(parameters))
    if stale and not extra:  # a class docstring's Args may describe more than __init__
        gaps.append(Gap(path, f"Args names what is not a parameter: {', '.join(stale)}"))


def _check_class(path: str, cls: Any, gaps: List[Gap]) -> None:
    import griffe

    if _blank(cls.docstring):
        gaps.append(Gap(path, "no docstring"))
    init = cls.all_members.get("__init__")
    if cls.path in CONSTRUCTED_BY_USERS:
        if isinstance(init, griffe.Alias):
            init = init.final_target
        if isinstance(init, griffe.Function):
            _check_function(f"{path}()", init, gaps, cls.docstring)
        elif cls.is_dataclass or "dataclass" in cls.labels:
            fields = [n for n, m in cls.members.items() if isinstance(m, griffe.Attribute)]
            missing = [
                f for f in fields if not f.startswith("_") and f not in _documented(cls.docstring)
            ]
            if missing:
                gaps.append(Gap(f"{path}()", f"fields missing from Args: {', '.join(missing)}"))
    for name, member in cls.members.items():
        if name.startswith("_") or isinstance(member, griffe.Alias):
            continue
        if isinstance(member, griffe.Function):
            _check_function(f"{path}.{name}", member, gaps)
        elif isinstance(member, griffe.Attribute) and "property" in member.labels:
            if _blank(member.docstring):
                gaps.append(Gap(f"{path}.{name}", "no docstring"))
        elif isinstance(member, griffe.Class):
            _check_class(f"{path}.{name}", member, gaps)


def _check(path: str, object_: Any, gaps: List[Gap]) -> None:
    import griffe

    if isinstance(object_, griffe.Class):
        _check_class(path, object_, gaps)
    elif isinstance(object_, griffe.Function):
        _check_function(path, object_, gaps)
    elif _blank(object_.docstring):
        gaps.append(Gap(path, "no docstring (a string literal under the assignment)"))


def referenced(package: Any, docs: Path = DOCS) -> Set[str]:
    """The final paths of the objects the reference pages render (``::: name``)."""
    import griffe

    found: Set[str] = set()
    for page in docs.rglob("*.md"):
        for name in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            object_ = package[name.split(".", 1)[1]]
            while isinstance(object_, griffe.Alias):
                object_ = object_.final_target
            found.add(object_.path)
    return found


def gaps(paths: Optional[Dict[str, str]] = None) -> List[Gap]:
    """Everything on the public surface that lacks documentation or a reference entry."""
    import griffe

    package = griffe.load(
        "meganova",
        search_paths=[str(ROOT)],
        docstring_parser=griffe.Parser.google,
        resolve_aliases=True,
    )
    in_reference = referenced(package)
    found: List[Gap] = []
    for public, target in (public_paths() if paths is None else paths).items():
        if target not in in_reference:
            found.append(Gap(public, f"not in the API reference (add '::: {target}' to docs/)"))
        _check(public, package[target.split(".", 1)[1]], found)
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    found = gaps()
    for gap in found:
        print(gap)
    print(f"{len(found)} gap(s) in the documentation of the public surface", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
