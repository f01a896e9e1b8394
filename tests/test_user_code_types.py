"""User code type-checks: the README's examples, examples/ and the typed-parameter
cases in tests/user_types/ pass ``mypy --strict`` and pyright as a user would run them,
and the mistakes marked there are reported (see tests/typecheck_user_code.py)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import List

import pytest

from tests.typecheck_user_code import Problem, check

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    p for p in (ROOT / "README.md", ROOT / "examples", ROOT / "tests" / "user_types") if p.exists()
]

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed"),
    pytest.mark.skipif(
        shutil.which("pyright", path=str(Path(sys.executable).parent)) is None
        and shutil.which("pyright") is None,
        reason="pyright not installed (pip install -e . --group dev)",
    ),
]

# The harness's own test: an unmarked error and a marked line that is fine.
SELF_TEST_PY = (
    "from meganova.types import ChatResponse\n"
    "x: int = ChatResponse().id\n"
    "y: str = ChatResponse().id  # expect-error\n"
)
SELF_TEST_MD = "Text.\n\n```python\nimport meganova\n\nmeganova.MegaNova(api_ky='k')\n```\n"


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> List[Problem]:
    """One run of both checkers over everything (they cost seconds per run)."""
    selftest = tmp_path_factory.mktemp("selftest")
    (selftest / "user.py").write_text(SELF_TEST_PY, encoding="utf-8")
    (selftest / "notes.md").write_text(SELF_TEST_MD, encoding="utf-8")
    return check([*map(str, PATHS), str(selftest), str(selftest / "notes.md")])


def test_user_code_type_checks_and_marked_mistakes_are_reported(problems: List[Problem]) -> None:
    ours = [p for p in problems if "selftest" not in p.origin]
    assert not ours, "\n".join(str(p) for p in ours)


def test_the_check_can_fail(problems: List[Problem]) -> None:
    """Both checkers report both faults, at the right line of the right file."""
    found = {(Path(p.origin).name, p.line, p.checker) for p in problems if "selftest" in p.origin}
    assert found == {
        (name, line, checker)
        for name, line in (("user.py", 2), ("user.py", 3), ("notes.md", 6))
        for checker in ("mypy", "pyright")
    }
