"""Type-check code written against meganova as a user would: ``mypy --strict`` and
pyright (strict), Python 3.9, outside this repository's own configuration.

    python -m tests.typecheck_user_code README.md examples/

An argument is a Markdown file (each ```python block is checked as a module of its own,
so every block must stand alone), a ``.py`` file, or a directory of ``.py`` files. A line
ending in ``# expect-error`` must be reported by both checkers; any other report is a
problem. Exit status 1 when there is a problem, 2 when a checker cannot run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import meganova

MARKER = "# expect-error"
FENCE = re.compile(r"^```python\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
PACKAGE_ROOT = Path(meganova.__file__).resolve().parent.parent
PYTHON_VERSION = "3.9"
TIMEOUT = 300


@dataclass
class Source:
    """One module to check; ``lines[i]`` is (origin file, origin line) of line i + 1."""

    name: str
    text: str
    lines: List[Tuple[str, int]]
    expected: Set[int] = field(default_factory=set)  # lines marked "# expect-error"


@dataclass(frozen=True)
class Problem:
    origin: str
    line: int
    checker: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}:{self.line}: {self.checker}: {self.message}"


def markdown_sources(path: Path) -> List[Source]:
    """One module per ```python block: a block a reader copies must stand on its own."""
    text = path.read_text(encoding="utf-8")
    stem = re.sub(r"\W", "_", path.stem.lower())
    sources = []
    for index, match in enumerate(FENCE.finditer(text)):
        first = text.count("\n", 0, match.start(1)) + 1
        count = len(match.group(1).splitlines())
        lines = [(str(path), first + offset) for offset in range(count)]
        sources.append(Source(f"{stem}_md_{index:02d}", match.group(1), lines))
    return sources


def python_source(path: Path, name: str) -> Source:
    text = path.read_text(encoding="utf-8")
    count = len(text.splitlines())
    return Source(name, text, [(str(path), n) for n in range(1, count + 1)])


def collect(paths: Sequence[str]) -> List[Tuple[str, List[Source]]]:
    """(directory name, sources) per argument; each group is checked by one mypy run
    (module names are unique within a group). The name comes from the argument's own
    name, so a module is checked at the same path run after run (mypy's cache replays
    the errors of an unchanged module with the path it saw)."""
    groups: List[Tuple[str, List[Source]]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            group = [
                python_source(f, str(f.relative_to(path).with_suffix("")).replace(os.sep, "."))
                for f in sorted(path.rglob("*.py"))
            ]
        elif path.suffix == ".md":
            group = markdown_sources(path)
        elif path.suffix == ".py":
            group = [python_source(path, path.stem)]
        else:
            raise SystemExit(f"not a .md, .py or directory: {raw}")
        for source in group:
            source.expected = {
                n
                for n, line in enumerate(source.text.splitlines(), 1)
                if line.rstrip().endswith(MARKER)
            }
        if group:
            name = base = re.sub(r"[^A-Za-z0-9]", "_", path.resolve().name)
            while name in {n for n, _ in groups}:
                name = f"{base}_{len(groups)}"
            groups.append((name, group))
    return groups


def _write(root: Path, name: str, group: List[Source]) -> Dict[str, Source]:
    """Write a group under root/<name>/; returns file path -> source."""
    written: Dict[str, Source] = {}
    for source in group:
        target = root / name / (source.name.replace(".", os.sep) + ".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.text, encoding="utf-8")
        written[str(target.resolve())] = source
    return written


def run_mypy(root: Path, name: str, files: Dict[str, Source]) -> List[Tuple[str, int, str]]:
    cache = root.parent / "mypy-cache" / name
    config = root / "mypy.ini"
    # pytest's, anyio's (httpx's dependency), Dask's and tornado's (distributed's, and
    # tenacity's optional module's) own sources use 3.10 syntax a 3.9 target cannot parse
    # (as in pyproject); so do pydantic's (>= 2.14, which yarl imports when installed),
    # httpx's CLI's and one module of the OpenTelemetry SDK's
    config.write_text(
        "[mypy]\n\n[mypy-pytest,_pytest.*,anyio,anyio.*,dask,dask.*,distributed,"
        "distributed.*,tornado,tornado.*,opentelemetry.sdk.environment_variables.*,"
        "pydantic,pydantic.*,pydantic_core.*,click,click.*,rich.*,pygments.*]\n"
        "follow_imports = skip\n",
        encoding="utf-8",
    )
    env = {**os.environ, "MYPYPATH": str(PACKAGE_ROOT)}
    command = [
        sys.executable, "-m", "mypy", "--strict", "--python-version", PYTHON_VERSION,
        "--config-file", str(config), "--cache-dir", str(cache), "--no-error-summary",
        "--show-absolute-path", "--hide-error-context", "--no-pretty", "--show-error-codes",
        *files,
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=root / name, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    if result.returncode not in (0, 1):
        raise CheckerFailed("mypy", result.stdout + result.stderr)
    found = []
    for line in result.stdout.splitlines():
        match = re.match(r"^(.*?):(\d+): (error|note): (.*)$", line)
        if match and match.group(3) == "error":
            found.append((str(Path(match.group(1)).resolve()), int(match.group(2)), match.group(4)))
    return found


def run_pyright(root: Path, files: Dict[str, Source]) -> List[Tuple[str, int, str]]:
    executable = shutil.which("pyright", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyright"
    )
    if executable is None:
        raise CheckerFailed("pyright", "pyright is not installed (pip install pyright)")
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": PYTHON_VERSION,
        "extraPaths": [str(PACKAGE_ROOT)],
        "include": sorted(os.path.relpath(f, root) for f in files),
    }
    (root / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    result = subprocess.run(
        [executable, "--outputjson", "--pythonpath", sys.executable, "-p", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise CheckerFailed("pyright", result.stdout + result.stderr) from None
    found = []
    for diagnostic in report.get("generalDiagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        line = diagnostic["range"]["start"]["line"] + 1
        rule = diagnostic.get("rule")
        message = diagnostic["message"].splitlines()[0] + (f"  [{rule}]" if rule else "")
        found.append((str(Path(diagnostic["file"]).resolve()), line, message))
    return found


class CheckerFailed(Exception):
    def __init__(self, checker: str, output: str) -> None:
        super().__init__(f"{checker} could not run:\n{output}")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One run at a time per checkout (they share the work directory)."""
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; runs there are not concurrent in CI
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check(paths: Sequence[str]) -> List[Problem]:
    """Every problem: a report on an unmarked line, or a marked line a checker missed."""
    groups = collect(paths)
    problems: List[Problem] = []
    # A fixed place per checkout: mypy's cache (seconds saved per run) is keyed by path.
    key = hashlib.sha256(str(PACKAGE_ROOT).encode()).hexdigest()[:12]
    base = Path(tempfile.gettempdir()).resolve() / f"meganova-user-types-{key}"
    base.mkdir(parents=True, exist_ok=True)
    with _locked(base / "lock"):
        root = base / "work"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        every: Dict[str, Source] = {}
        reports: Dict[str, List[Tuple[str, int, str]]] = {"mypy": []}
        for name, group in groups:
            files = _write(root, name, group)
            every.update(files)
            reports["mypy"] += run_mypy(root, name, files)
        reports["pyright"] = run_pyright(root, every) if every else []
        for checker, found in reports.items():
            hit: Dict[str, Set[int]] = {}
            for file, line, message in found:
                source = every.get(file)
                if source is None:
                    problems.append(Problem(file, line, checker, message))
                    continue
                hit.setdefault(file, set()).add(line)
                if line not in source.expected:
                    origin, origin_line = source.lines[min(line, len(source.lines)) - 1]
                    problems.append(Problem(origin, origin_line, checker, message))
            for file, source in every.items():
                for line in sorted(source.expected - hit.get(file, set())):
                    origin, origin_line = source.lines[line - 1]
                    problems.append(
                        Problem(origin, origin_line, checker, "expected an error, got none")
                    )
    return sorted(problems, key=lambda p: (p.origin, p.line, p.checker))


def main(argv: Optional[Sequence[str]] = None) -> int:
    paths = list(argv if argv is not None else sys.argv[1:]) or ["README.md", "examples"]
    paths = [p for p in paths if Path(p).exists()]
    try:
        problems = check(paths)
    except CheckerFailed as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {', '.join(paths)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
