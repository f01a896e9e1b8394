"""Tools: a Python callable, its JSON schema (from its signature and docstring) and the
checking of a model's arguments against it before the call.

The schema and the argument checking come from one msgspec type per tool (a struct with
a field per parameter), so what the model is told and what is accepted cannot differ.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import typing
from dataclasses import dataclass, is_dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
    overload,
)

import msgspec

from ..core.errors import InvalidArgumentError
from .docstrings import parse_docstring

__all__ = ["BoundCall", "Tool", "Toolbox", "render_result", "tool"]

F = TypeVar("F", bound=Callable[..., Any])
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MARK = "__meganova_tool__"


@overload
def tool(name: F, /) -> F: ...


@overload
def tool(name: Optional[str] = None, description: Optional[str] = None) -> Callable[[F], F]: ...


def tool(name: Any = None, description: Optional[str] = None) -> Any:
    """Give a function a tool name and description (both optional): ``@tool``,
    ``@tool()``, ``@tool("name")``, ``@tool(name="...", description="...")``.

    Any function is a tool without it: the name defaults to the function's name and the
    description to its docstring's summary. The function is returned unchanged (still
    callable as before); ``Agent`` reads what ``@tool`` set.

    Args:
        name: The name the model calls the tool by (letters, digits, ``_`` and ``-``,
            at most 64); or, as ``@tool`` without parentheses, the function itself.
        description: What the tool does, for the model.

    Returns:
        The function (``@tool``), or a decorator that returns it.
    """
    if callable(name):
        return _mark(name, None, description)
    if name is not None and not isinstance(name, str):
        raise InvalidArgumentError("tool(name=...) must be a str", argument="name")

    def decorate(func: F) -> F:
        return _mark(func, name, description)

    return decorate


def _mark(func: F, name: Optional[str], description: Optional[str]) -> F:
    try:
        setattr(func, _MARK, (name, description))
    except (AttributeError, TypeError):  # a builtin or a slotted object: wrap it
        raise InvalidArgumentError(
            f"@tool cannot mark {func!r}; pass Tool(name=..., func=...) to the Agent instead",
            argument="func",
        ) from None
    return func


class Tool:
    """A tool the model may call: ``func`` under ``name``, described by ``description``,
    taking the arguments ``parameters`` (a JSON schema) describes.

    Made for you from every function given to ``Agent(tools=[...])``; make one yourself
    to name a callable that has no usable name (a lambda, a ``functools.partial``), or to
    send a JSON schema of your own (``parameters``: the arguments are then only checked to
    be a JSON object, and passed as keyword arguments).

    Args:
        name: The name the model calls the tool by.
        description: What the tool does, for the model.
        func: The callable (sync or ``async def``).
        parameters: A JSON schema of the arguments; derived from ``func``'s signature and
            docstring when left out.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        func: Optional[Callable[..., Any]] = None,
        parameters: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if func is None or not callable(func):
            raise InvalidArgumentError(
                f"tool {name!r}: func must be a callable, got {type(func).__name__}",
                argument="tools",
            )
        marked = getattr(func, _MARK, (None, None))
        summary, descriptions = parse_docstring(inspect.getdoc(func))
        self.func: Callable[..., Any] = func
        self.name: str = _tool_name(name or marked[0] or getattr(func, "__name__", None), func)
        self.description: str = description or marked[1] or summary
        self.is_async: bool = _is_async(func)
        self._args: Optional[type] = None
        self._positional: Tuple[str, ...] = ()
        if parameters is not None:
            if not isinstance(parameters, Mapping):
                raise InvalidArgumentError(
                    f"tool {self.name!r}: parameters must be a JSON schema (a dict)",
                    argument="tools",
                )
            self.parameters: Dict[str, Any] = dict(parameters)
        else:
            self._args, self._positional = _arguments_type(self.name, func, descriptions)
            self.parameters = _schema(self._args)

    def to_openai(self) -> Dict[str, Any]:
        """The tool as the chat API takes it (``{"type": "function", "function": ...}``)."""
        function: Dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"

    def bind(self, arguments: Mapping[str, Any]) -> Union[BoundCall, str]:
        """The call for ``arguments`` (checked and converted), or the error text the model
        gets when they do not fit.

        Args:
            arguments: The arguments by parameter name, as decoded from the model's JSON.

        Returns:
            A ``BoundCall`` (``.invoke()`` runs it), or the error text.
        """
        if self._args is None:
            return BoundCall(self, (), dict(arguments))
        try:
            checked: Any = msgspec.convert(dict(arguments), self._args, strict=False)
        except msgspec.ValidationError as exc:
            return f"Error: invalid arguments for {self.name}: {exc}"
        values = {f: getattr(checked, f) for f in checked.__struct_fields__}
        positional = tuple(values.pop(p) for p in self._positional)
        return BoundCall(self, positional, values)


@dataclass(frozen=True)
class BoundCall:
    """A tool with checked arguments, ready to run."""

    tool: Tool
    args: Tuple[Any, ...]
    kwargs: Dict[str, Any]

    def invoke(self) -> Any:
        """Run it (an ``async def`` tool returns its coroutine)."""
        return self.tool.func(*self.args, **self.kwargs)


class Toolbox:
    """An agent's tools by name: their schemas for the request and the checking of the
    model's calls. Every tool is checked when the box is made (``Agent(...)``)."""

    def __init__(self, tools: Iterable[Any]) -> None:
        if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Iterable):
            raise InvalidArgumentError(
                "tools must be a list of functions or Tool objects", argument="tools"
            )
        self.tools: Dict[str, Tool] = {}
        for index, item in enumerate(tools):
            if isinstance(item, Tool):
                made = item
            elif callable(item):
                made = Tool(func=item)
            else:
                raise InvalidArgumentError(
                    f"tools[{index}] is a {type(item).__name__}, not a function or Tool",
                    argument="tools",
                )
            if made.name in self.tools:
                raise InvalidArgumentError(
                    f"two tools are named {made.name!r} (tools[{index}] and an earlier one); "
                    "rename one with @tool(name=...)",
                    argument="tools",
                )
            self.tools[made.name] = made
        self.specs: List[Dict[str, Any]] = [t.to_openai() for t in self.tools.values()]

    def __len__(self) -> int:
        return len(self.tools)

    @property
    def any_async(self) -> bool:
        return any(t.is_async for t in self.tools.values())

    def decode(self, name: str, raw: str) -> Union[Dict[str, Any], str]:
        """The arguments the model sent for tool ``name`` as a dict, or the error text."""
        if name not in self.tools:
            known = ", ".join(self.tools) or "none"
            return f"Error: there is no tool named {name!r} (the tools are: {known})"
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            return f"Error: the arguments for {name} are not valid JSON ({exc})"
        if not isinstance(value, dict):
            return f"Error: the arguments for {name} must be a JSON object"
        return value

    def bind(self, name: str, arguments: Mapping[str, Any]) -> Union[BoundCall, str]:
        return self.tools[name].bind(arguments)


def render_result(value: Any) -> str:
    """A tool's return value as the text the model reads: a str as it is, anything else
    as JSON (dataclasses, dicts, lists, msgspec structs; other objects by ``str()``)."""
    if isinstance(value, str):
        return value
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, ValueError, OverflowError):
        pass
    if isinstance(value, (dict, list, tuple, set, msgspec.Struct)) or is_dataclass(value):
        try:  # a container with a few odd values in it: those as text
            return msgspec.json.encode(value, enc_hook=str).decode()
        except (TypeError, ValueError, OverflowError):
            pass
    return str(value)


def _tool_name(name: Optional[str], func: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidArgumentError(
            f"tool {name or func!r}: a tool name is 1-64 letters, digits, '_' or '-'; "
            "name it with @tool(name=...) or Tool(name=..., func=...)",
            argument="tools",
        )
    return name


def _is_async(func: Any) -> bool:
    target = getattr(func, "func", func)  # functools.partial
    call = None if inspect.isroutine(target) else type(target).__call__
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(call)


def _hints(name: str, func: Any) -> Dict[str, Any]:
    target = getattr(func, "func", func)
    if not inspect.isroutine(target):  # an object with __call__
        target = type(target).__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # an annotation that names something undefined
        raise InvalidArgumentError(
            f"tool {name!r}: its annotations cannot be resolved ({exc})", argument="tools"
        ) from None


def _arguments_type(
    name: str, func: Any, descriptions: Mapping[str, str]
) -> Tuple[type, Tuple[str, ...]]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"tool {name!r}: its signature cannot be read; wrap it in a def", argument="tools"
        ) from None
    hints = _hints(name, func)
    fields: List[Any] = []
    positional: List[str] = []
    for param in signature.parameters.values():
        where = f"tool {name!r}, parameter {param.name!r}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise InvalidArgumentError(
                f"{where}: *args and **kwargs cannot be described to a model; list the parameters",
                argument="tools",
            )
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(param.name)
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        if isinstance(annotation, str):
            raise InvalidArgumentError(
                f"{where}: the annotation {annotation!r} cannot be resolved", argument="tools"
            )
        try:
            msgspec.json.schema(annotation)
        except (TypeError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[-1]
            if "not supported" not in reason:
                reason = f"the type {annotation!r} is not supported ({reason})"
            raise InvalidArgumentError(f"{where}: {reason}", argument="tools") from None
        if param.name in descriptions:
            meta = msgspec.Meta(description=descriptions[param.name])
            annotation = typing.Annotated[annotation, meta]
        fields.append(_field(where, param, annotation))
    try:
        return (
            msgspec.defstruct(f"{name}.arguments", fields, kw_only=True),
            tuple(positional),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"tool {name!r}: {exc}", argument="tools") from None


def _field(where: str, param: inspect.Parameter, annotation: Any) -> Any:
    if param.default is inspect.Parameter.empty:
        return (param.name, annotation)
    default = param.default
    try:
        msgspec.json.encode(default)
    except (TypeError, ValueError, OverflowError):
        raise InvalidArgumentError(
            f"{where}: its default {default!r} cannot be told to a model as JSON",
            argument="tools",
        ) from None
    if isinstance(default, (list, dict, set, bytearray)) and default:
        return (
            param.name,
            annotation,
            msgspec.field(default_factory=lambda: copy.deepcopy(default)),
        )
    return (param.name, annotation, default)


def _schema(args: type) -> Dict[str, Any]:
    """The JSON schema of a tool's arguments (``meganova.schema``, loose form: optional
    parameters keep their defaults): the struct's object schema at the top, the types it
    refers to under ``$defs``."""
    from ..schema import json_schema

    top = json_schema(args, strict=False).schema
    top.pop("title", None)
    defs = top.get("$defs", {})
    defs.pop(args.__name__, None)  # the root itself, inlined above
    if not defs:
        top.pop("$defs", None)
    top.setdefault("properties", {})
    if not top.get("required", True):
        del top["required"]  # an empty list is invalid in older JSON Schema drafts
    return top
