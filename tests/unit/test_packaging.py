"""What a user notices of the package itself: ``import meganova`` is cheap, the pytest
plugin costs a session nothing until a fixture is used, the README works as a PyPI page,
and the project's own commands agree with each other."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "urllib3",
    "msgspec",
    "tenacity",
    "http.client",
    "ssl",
    "aiohttp",
    "httpx",
    "anyio",
    "yarl",
)


def _run(code: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=True,
    )
    return result.stdout


def test_import_meganova_loads_no_heavy_library() -> None:
    loaded = json.loads(_run("import sys, json, meganova; print(json.dumps(sorted(sys.modules)))"))
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY] == []
    # and the 0.4.0 names resolve without loading them either
    loaded = json.loads(
        _run(
            "import sys, json, warnings; warnings.simplefilter('ignore')\n"
            "from meganova import EmbeddingResponse, ServerlessModel, CloudAgent\n"
            "print(json.dumps(sorted(sys.modules)))"
        )
    )
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY] == []


def test_import_meganova_costs_about_as_much_as_import_json() -> None:
    # Both timed in the same fresh interpreter; the best of a few runs, so a busy
    # machine slows both alike. Today meganova takes ~0.2x of json.
    code = textwrap.dedent(
        """
        import time
        t0 = time.perf_counter(); import json; t1 = time.perf_counter()
        import meganova; t2 = time.perf_counter()
        print(t1 - t0, t2 - t1)
        """
    )
    runs = [tuple(map(float, _run(code).split())) for _ in range(5)]
    json_time = min(r[0] for r in runs)
    meganova_time = min(r[1] for r in runs)
    assert meganova_time <= 2 * json_time, (meganova_time, json_time)


def test_the_pytest_plugin_imports_nothing_heavy_in_a_session_without_its_fixtures(
    tmp_path: Path,
) -> None:
    # What a session loads with the plugin, minus what it loads without it: only the
    # plugin module and the two tiny package modules it lives in.
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert 1\n")
    code = textwrap.dedent(
        """
        import json, sys, pytest
        args = ["--co", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]
        assert pytest.main(args) == 0
        print(json.dumps(sorted(sys.modules)))
        """
    )

    def modules(*args: str) -> set[str]:
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            check=True,
        )
        return set(json.loads(result.stdout.splitlines()[-1]))

    added = modules() - modules("-p", "no:meganova")
    assert sorted(added) == [
        "meganova",
        "meganova._version",
        "meganova.testing",
        "meganova.testing.pytest_plugin",
    ]


def test_the_plugin_fixtures_still_work_when_used(tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text(
        "def test_it(meganova_client):\n"
        "    r = meganova_client.chat.create(messages=[{'role': 'user', 'content': 'hi'}],"
        " model='m')\n"
        "    assert r.choices[0].message.content\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_readme_links_are_absolute_for_the_pypi_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'(?:href|src)="([^"]+)"', text)
    assert targets
    assert [t for t in targets if not t.startswith("https://")] == []


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Run the tests\n\n```bash\n", 1)[1].split("```", 1)[0].strip()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert block in ci_lines


def test_versions_agree() -> None:
    import meganova

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.M)
    assert first and first.group(1) == meganova.__version__ == "0.5.0"


def test_extras_are_user_features_and_tools_are_dependency_groups() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(project["project"].get("optional-dependencies", {}))
    assert extras <= {"requests", "aiohttp", "httpx", "otel", "cli", "dask", "pydantic"}
    groups = project["dependency-groups"]
    assert {"test", "dev"} <= set(groups)
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "extras" not in tox and "dependency_groups = test" in tox


def test_the_changelog_keeps_the_keep_a_changelog_shape() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    order = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"]
    releases = re.split(r"^## ", text, flags=re.M)[1:]
    assert releases
    for release in releases:
        version = re.match(r"\[(\d+\.\d+\.\d+)\] - (Unreleased|\d{4}-\d{2}-\d{2})\n", release)
        assert version, release.splitlines()[0]
        headings = re.findall(r"^### (.+)$", release, re.M)
        assert headings == [h for h in order if h in headings], (version.group(1), headings)
        assert f"\n[{version.group(1)}]: https://" in text  # its link reference
