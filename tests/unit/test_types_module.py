"""``meganova.types``: the one public home of every type user code annotates with."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import meganova.core.models
import meganova.errors
import meganova.types
from meganova.core.models.common import Model

SOURCE = Path(meganova.types.__file__).read_text(encoding="utf-8")


def test_every_name_resolves_to_the_object_core_defines() -> None:
    for name in meganova.types.__all__:
        value = getattr(meganova.types, name)
        home = importlib.import_module(f"meganova.{meganova.types._HOME[name]}")
        assert value is getattr(home, name), name


def test_the_checked_imports_and_the_lazy_table_agree() -> None:
    """Type checkers read the TYPE_CHECKING imports, run time reads ``_HOME``: one list."""
    checked: dict[str, str] = {}
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                if stmt.module == "typing":
                    continue
                assert stmt.level == 1, stmt.module
                for alias in stmt.names:
                    checked[alias.name] = str(stmt.module)
    assert checked == meganova.types._HOME
    assert sorted(checked) == sorted(meganova.types.__all__)


def test_every_public_response_model_and_error_is_exported() -> None:
    exported = set(meganova.types.__all__)
    for info in pkgutil.iter_modules(meganova.core.models.__path__):
        module = importlib.import_module(f"meganova.core.models.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Model)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                assert name in exported, f"{module.__name__}.{name} is not in meganova.types"
    assert set(meganova.errors.__all__) <= exported


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="ChatRespons"):
        meganova.types.ChatRespons  # noqa: B018


def test_importing_the_module_loads_no_model_until_a_name_is_used() -> None:
    code = (
        "import sys, meganova.types as t\n"
        "assert 'meganova.core.models.chat' not in sys.modules, 'eager'\n"
        "t.ChatResponse\n"
        "assert 'meganova.core.models.chat' in sys.modules\n"
        "assert 'meganova.core.models.videos' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_importing_the_module_imports_nothing_else() -> None:
    """Not even ``typing``: annotating with these names must not cost start-up time."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import meganova.types\n"
        "new = set(sys.modules) - before\n"
        "assert new <= {'__future__', 'meganova', 'meganova._version', 'meganova.types'}, new\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
