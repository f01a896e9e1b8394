"""The hexagonal rule, checked on the source: core imports only the standard library
and itself (import-linter checks the same in CI; this also covers urllib.request)."""

import ast
import sys
from pathlib import Path

import pytest

import meganova.core

CORE = Path(meganova.core.__file__).parent
FORBIDDEN = {"http.client", "urllib.request", "socket", "ssl", "urllib3", "msgspec", "tenacity"}
STDLIB = getattr(sys, "stdlib_module_names", None)


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_only_stdlib_and_core(path):
    depth = len(path.relative_to(CORE).parts) - 1
    for module, level in imported_modules(path):
        if level and module == "_version" and level == depth + 2:
            continue  # the version constant: a module with no imports of its own
        if level:
            # relative imports may not climb out of meganova.core
            assert level <= depth + 1, f"{path.name} imports outside core: {'.' * level}{module}"
            continue
        assert module not in FORBIDDEN and module.split(".")[0] not in FORBIDDEN, module
        assert not module.startswith("meganova.") or module.startswith("meganova.core"), module
        if STDLIB is not None and not module.startswith("meganova"):
            assert module.split(".")[0] in STDLIB, f"{path.name} imports non-stdlib {module}"


# The optional async libraries each live in one adapter, imported only when chosen.
OPTIONAL = {
    "aiohttp": {"adapters/aiohttp_transport.py"},
    "yarl": {"adapters/aiohttp_transport.py"},
    "httpx": {"adapters/httpx_transport.py"},
}
PACKAGE = CORE.parent


@pytest.mark.parametrize("library", sorted(OPTIONAL))
def test_an_optional_async_library_is_imported_by_its_adapter_only(library):
    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for module, level in imported_modules(path)
        if not level and module.split(".")[0] == library
    }
    assert importers <= OPTIONAL[library], importers
