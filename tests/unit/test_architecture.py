"""Architecture rules, checked on the source: core imports only the standard library
and itself (import-linter checks the same in CI; this also covers urllib.request); only
the fast-path modules read library internals; the fake needs no socket; tests mirror
the package and never import one another."""

import ast
import sys
from pathlib import Path

import pytest

import meganova.core
from tests.helpers import run_python

CORE = Path(meganova.core.__file__).parent
FORBIDDEN = {"http.client", "urllib.request", "socket", "ssl", "urllib3", "msgspec", "tenacity"}
STDLIB = getattr(sys, "stdlib_module_names", None)


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (never imported at run time)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


# Imported by core for annotations only (under TYPE_CHECKING, never at run time): type
# checkers' own module, and the stream shells core's chat methods return (they read the
# transport's response, so they live outside core; the drivers make them).
TYPING_ONLY = {"typing_extensions", "streaming", "streaming_async"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    runtime = set(map(id, _runtime_nodes(tree)))
    for node in ast.walk(tree):
        typing_only = id(node) not in runtime and isinstance(node, ast.ImportFrom)
        if typing_only and node.module in TYPING_ONLY:
            assert node.module == "typing_extensions" or node.level, node.module  # ours: relative
            continue
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
    # the httpx adapter's pool of transports, imported by that adapter alone (below)
    "httpx": {"adapters/httpx_transport.py", "adapters/_httpx_pool.py"},
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


def test_the_httpx_pool_is_imported_by_the_httpx_adapter_only():
    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for module, level in imported_modules(path)
        if module.split(".")[-1] == "_httpx_pool"
    }
    assert importers == {"adapters/httpx_transport.py"}, importers


# -- adapters ---------------------------------------------------------------------------

ADAPTERS = CORE.parent / "adapters"
FAST_PATHS = {"_urllib3_fast.py", "_httpclient_fast.py"}
# Private attributes of urllib3 and http.client that the fast paths read or override.
LIBRARY_PRIVATE = {"_fp", "_headers", "_buffer", "_send_output", "chunk_left"}


def library_private_uses(path: Path) -> set[str]:
    """The names above, read off another object than ``self`` (``raw._fp``, ``getattr(x,
    "_fp")``) or defined as methods (an override of ``_send_output``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in LIBRARY_PRIVATE:
            if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                found.add(node.attr)
        elif isinstance(node, ast.Constant) and node.value in LIBRARY_PRIVATE:
            found.add(node.value)
        elif isinstance(node, ast.ClassDef):
            found.update(
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name in LIBRARY_PRIVATE
            )
    return found


def test_only_the_fast_path_modules_read_library_internals() -> None:
    fast = set().union(*(library_private_uses(ADAPTERS / name) for name in FAST_PATHS))
    assert fast == LIBRARY_PRIVATE  # the list above is the one the fast paths use
    for path in sorted(ADAPTERS.rglob("*.py")):
        if path.name not in FAST_PATHS:
            assert not library_private_uses(path), f"{path.name} reads library internals"


def test_the_fake_transport_needs_no_socket_or_tls() -> None:
    script = (
        "import sys; before = set(sys.modules)\n"
        "import meganova.adapters.fake_transport\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    loaded = set(run_python(script).stdout.split())
    assert "meganova.adapters.fake_transport" in loaded
    assert not loaded & {"socket", "ssl", "_socket", "_ssl", "http.client", "urllib3"}, loaded


# -- tests -------------------------------------------------------------------------------

TESTS = Path(__file__).resolve().parents[1]


def imported_test_modules(path: Path) -> list[str]:
    """Modules named ``test_*`` that ``path`` imports (absolutely or relatively)."""
    found = []
    for module, _level in imported_modules(path):
        if any(part.startswith("test_") for part in module.split(".")):
            found.append(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [a.name for a in node.names if a.name.startswith("test_")]
    return found


@pytest.mark.parametrize(
    "path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS))
)
def test_no_test_module_imports_another(path: Path) -> None:
    # Shared helpers live in tests/helpers.py, conftest.py or a helper module.
    assert not imported_test_modules(path), f"{path.name} imports a test module"


def test_each_core_decoder_is_tested_in_its_mirror_module() -> None:
    """Tests mirror the package: core/sse.py in tests/unit/core/test_sse.py, core/chunked.py
    in tests/unit/core/test_chunked.py, not spread over several files."""
    mirrors = {"SSEDecoder": "test_sse.py", "ChunkedDecoder": "test_chunked.py"}
    for path in sorted((TESTS / "unit").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        for name, mirror in mirrors.items():
            if f"{name}(" in text:
                assert path == TESTS / "unit" / "core" / mirror, f"{name} tested in {path.name}"


# The transport port's methods and waiting: only the drivers and the stream shells,
# outside core, call them. (``handle.read()`` in audio reads the caller's own file;
# ``flow.send()`` in raw_flows resumes the method's flow it wraps, a generator.)
IO_METHODS = {"send", "read", "aread", "iter_bytes", "aiter_bytes", "aclose", "drain", "adrain"}
WAITS = {"sleep", "asleep"}
ALLOWED = {("resources/audio.py", "handle", "read"), ("raw_flows.py", "flow", "send")}


def io_calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            receiver = ast.unparse(node.func.value)
            closes = name == "close" and ("response" in receiver or "transport" in receiver)
            if name in IO_METHODS | WAITS or closes:
                yield receiver, name, node.lineno
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WAITS
        ):
            yield "", node.func.id, node.lineno


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_calls_no_transport_and_never_waits(path):
    where = str(path.relative_to(CORE))
    calls = [
        f"{where}:{line} {receiver}.{name}()"
        for receiver, name, line in io_calls(path)
        if (where, receiver, name) not in ALLOWED
    ]
    assert not calls, "core performs I/O or waits (the drivers' job): " + ", ".join(calls)


def test_the_io_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "response = transport.send(request)\nresponse.iter_bytes()\nclock.sleep(1)\n"
        "response.close()\nparser.close()\n",
        encoding="utf-8",
    )
    found = [name for _, name, _ in io_calls(sample)]
    assert found == ["send", "iter_bytes", "sleep", "close"]
