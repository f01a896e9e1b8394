"""Stand-ins for 0.4.0 features this release does not have: importing them works (so an
application that only mentions them still starts), using them raises
``UnavailableFeatureError`` saying what to do instead."""

from __future__ import annotations

from typing import Any, NoReturn

from ..core.errors import MeganovaError
from ..core.legacy import MIGRATING_URL


class UnavailableFeatureError(MeganovaError, NotImplementedError):
    """A 0.4.0 feature that is not in this release was used."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unavailable_in_this_release")


class _UnavailableMeta(type):
    _mn_message: str

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise UnavailableFeatureError(cls._mn_message)

    def __getattr__(cls, name: str) -> NoReturn:
        if name.startswith("__") and name.endswith("__"):
            # introspection (hasattr, pytest, pickle) must see a plain missing attribute
            raise AttributeError(name)
        raise UnavailableFeatureError(cls._mn_message)


class _Unavailable(metaclass=_UnavailableMeta):
    _mn_message = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "_mn_message" not in cls.__dict__:  # a user's subclass of a stand-in
            raise UnavailableFeatureError(cls._mn_message)
        super().__init_subclass__(**kwargs)


def message_for(qualified_name: str, feature: str, instead: str) -> str:
    anchor = f"{MIGRATING_URL}#whats-not-in-050"
    return (
        f"{qualified_name} ({feature} of meganova 0.4.0) is not in meganova 0.5.0. "
        f"{instead} See {anchor}"
    )


def unavailable(module: str, name: str, feature: str, instead: str) -> type:
    """A class named ``name`` whose use (calling it, decorating with it, reading an
    attribute, subclassing it) raises ``UnavailableFeatureError``."""
    message = message_for(f"{module}.{name}", feature, instead)
    stand_in = _UnavailableMeta(
        name,
        (_Unavailable,),
        {"_mn_message": message, "__module__": module, "__doc__": message},
    )
    return stand_in


class _StandInFinder:
    """Resolves every module under ``prefix`` (0.4.0's deep paths such as
    ``meganova.agents.tools.knowledge``) to a module of stand-ins."""

    def __init__(self, prefix: str, feature: str, instead: str) -> None:
        self.prefix = prefix
        self.feature = feature
        self.instead = instead

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(self.prefix):
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, self, is_package=True)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        module.__path__ = []
        module.__getattr__ = stand_ins(module.__name__, self.feature, self.instead)


def stand_ins(module: str, feature: str, instead: str) -> Any:
    """A module ``__getattr__`` that hands out a stand-in for any public name."""
    made: dict[str, type] = {}

    def __getattr__(name: str) -> type:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if name not in made:
            made[name] = unavailable(module, name, feature, instead)
        return made[name]

    return __getattr__


def install_finder(prefix: str, feature: str, instead: str) -> None:
    import sys

    if not any(getattr(f, "prefix", None) == prefix for f in sys.meta_path):
        sys.meta_path.insert(0, _StandInFinder(prefix, feature, instead))
