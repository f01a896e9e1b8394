"""What ships: the sdist and wheel as built, checked as PyPI and a user would see them.

A fresh virtualenv with meganova 0.4.0 installed is upgraded from a local wheelhouse
holding both releases (``pip install -U meganova``), the README's commands run there,
and a type checker finds the package after a wheel and after an editable install.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Iterator

import pytest

from meganova.testing import luna_answer

pytestmark = pytest.mark.release

ROOT = Path(__file__).resolve().parents[2]
USER_CODE = """\
from meganova import MegaNova, MeganovaError


def ask(client: MegaNova, text: str) -> str:
    try:
        resp = client.chat.create(
            messages=[{"role": "user", "content": text}], model="meganova-ai/manta-flash-1.0"
        )
    except MeganovaError:
        return ""
    content = resp.choices[0].message.content
    return content if isinstance(content, str) else ""


count: int = ask(MegaNova(api_key="sk"), "hi")  # a str is not an int: mypy must say so
"""


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=600,
        # not the checkout: a `python -c` there would import ./meganova, not the install
        cwd=cwd or tempfile.gettempdir(),
        env=env,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextlib.contextmanager
def checkout_kept_clean() -> Iterator[None]:
    """setuptools writes build/ and meganova.egg-info/ into the project directory."""
    leftovers = [p for p in (ROOT / "build", ROOT / "meganova.egg-info") if not p.exists()]
    try:
        yield
    finally:
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """sdist, then the wheel built from the unpacked sdist (``python -m build``)."""
    out = tmp_path_factory.mktemp("dist")
    with checkout_kept_clean():
        run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    (sdist,) = out.glob("meganova-*.tar.gz")
    (wheel,) = out.glob("meganova-*.whl")
    return {"sdist": sdist, "wheel": wheel}


def test_sdist_carries_the_package_and_its_documents_and_no_tests(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in ("LICENSE", "README.md", "CHANGELOG.md", "MIGRATING.md", "pyproject.toml"):
        assert required in names
    assert "meganova/py.typed" in names
    assert not [n for n in names if n.split("/")[0] in ("tests", "benchmarks", ".ci", "docs")]


def test_wheel_has_license_types_and_user_facing_metadata(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(info).decode("utf-8"))
    assert "meganova/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]
    assert metadata["Version"] == "0.5.0"
    assert metadata["License-Expression"] == "MIT"
    classifiers = metadata.get_all("Classifier")
    for version in ("3.9", "3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Typing :: Typed" in classifiers
    assert "Operating System :: OS Independent" in classifiers
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert urls["Repository"] == "https://github.com/MeganovaAI/meganova-python"
    # tools never reach a user: every extra is a feature, every requirement a runtime one
    requires = metadata.get_all("Requires-Dist")
    base = sorted(r.split(">")[0].split("<")[0] for r in requires if "extra ==" not in r)
    assert base == ["msgspec", "tenacity", "urllib3"]
    assert not [r for r in requires if r.startswith(("pytest", "mypy", "ruff", "hypothesis"))]


def test_twine_check_strict_passes(dists: dict[str, Path]) -> None:
    out = run(sys.executable, "-m", "twine", "check", "--strict", dists["sdist"], dists["wheel"])
    assert out.count("PASSED") == 2


@pytest.fixture(scope="module")
def upgraded(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with 0.4.0, upgraded with ``pip install -U meganova`` from a
    local wheelhouse that holds both releases; yields its python."""
    base = tmp_path_factory.mktemp("upgrade")
    house = base / "wheelhouse"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(*pip, "download", "--quiet", "--dest", house, "meganova==0.4.0")
    run(*pip, "download", "--quiet", "--dest", house, dists["wheel"])  # with its dependencies
    env_dir = base / "venv"
    run(sys.executable, "-m", "venv", env_dir)
    python = env_dir / "bin" / "python"
    local = ["-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(house)]
    run(python, *local, "meganova==0.4.0")
    assert "Version: 0.4.0" in run(python, "-m", "pip", "show", "meganova")
    files = run(python, "-c", "import importlib.metadata as m; print(*m.files('meganova'))")
    old_files.update(f for f in files.split() if f.startswith("meganova/"))
    run(python, *local, "-U", "meganova")
    yield python


# the package files 0.4.0 installed (filled by the ``upgraded`` fixture)
old_files: set[str] = set()


def test_the_wheel_upgrades_over_0_4_0(upgraded: Path, dists: dict[str, Path]) -> None:
    assert "Version: 0.5.0" in run(upgraded, "-m", "pip", "show", "meganova")
    site = Path(
        run(upgraded, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    # the files only 0.4.0 had are gone with it
    with zipfile.ZipFile(dists["wheel"]) as archive:
        ours = set(archive.namelist())
    only_old = {f for f in old_files - ours if "__pycache__" not in f}  # ours compile too
    assert "meganova/agents/sandbox/docker_provider.py" in only_old  # the list is real
    assert [f for f in sorted(only_old) if (site / f).exists()] == []
    assert not list(site.glob("meganova-0.4.0*"))
    out = run(
        upgraded,
        "-c",
        "import meganova, sys; print(meganova.__version__, 'urllib3' in sys.modules)",
    )
    assert out.split() == ["0.5.0", "False"]
    run(upgraded, "-m", "pip", "check")


def test_the_readme_demo_works_after_the_upgrade(upgraded: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    env["MEGANOVA_DEMO_DELAY"] = "0"
    out = run(upgraded.parent / "meganova", "chat", "--offline", "Hi Luna, how are you?", env=env)
    assert out.strip() == luna_answer("Hi Luna, how are you?")


def _mypy_sees_the_package(python: Path, tmp_path: Path) -> None:
    user = tmp_path / "user_app.py"
    user.write_text(USER_CODE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-executable",
            str(python),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(user),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    # the package is found and typed: one error, the deliberate one
    assert "import-not-found" not in result.stdout and "import-untyped" not in result.stdout
    assert (
        'Incompatible types in assignment (expression has type "str", variable has type "int")'
        in result.stdout
    ), result.stdout
    assert "Found 1 error" in result.stdout, result.stdout


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed")
def test_a_type_checker_finds_the_installed_wheel(upgraded: Path, tmp_path: Path) -> None:
    _mypy_sees_the_package(upgraded, tmp_path)


def test_a_type_checker_finds_an_editable_install(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    run(sys.executable, "-m", "venv", env_dir)
    python = env_dir / "bin" / "python"
    with checkout_kept_clean():
        run(python, "-m", "pip", "install", "--quiet", "-e", ROOT)
    code = "import importlib.metadata as m; print(m.distribution('meganova').read_text('%s'))"
    direct = json.loads(run(python, "-c", code % "direct_url.json", cwd=tmp_path))
    assert direct["dir_info"]["editable"] is True
    _mypy_sees_the_package(python, tmp_path)
