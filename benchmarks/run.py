"""One command: install missing peers, start the server, run every client, write RESULTS.md.

    python benchmarks/run.py            # full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # smoke run (under a minute)
    python benchmarks/run.py --profile ours_urllib3 stream   # cProfile one workload
    python benchmarks/run.py --parts async --out /tmp/r.md  # only the async workloads
    python benchmarks/run.py --parts observe --out /tmp/o.md  # hooks, metadata, OTel overhead

Every client runs in its own process; clients are interleaved in rounds so background
noise spreads over all of them. Figures are medians over repetitions; ratios compare
medians within this one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import arun
from spawn import spawn_server

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PYTHON = sys.executable
FLOOR = "raw_urllib3"

# peer dir -> pip requirements (space-separated)
PEER_SPECS = {
    "openai": "openai==3.57.0",
    "meganova040": "meganova==0.4.0",
    # what meganova[aiohttp] and meganova[httpx] install (sniffio: see pyproject.toml)
    "aio": "aiohttp==3.14.5 httpx==0.28.1 sniffio==1.3.1",
}
# client -> peer dir it runs with alone (our package's processes see the checkout)
CLIENT_PEER = {"openai": "openai", "meganova_040": "meganova040", "async_openai": "openai"}
# the async floors and AsyncMegaNova share one aiohttp and httpx: the checkout + this dir
ASYNC_LIBS = "aio"
CLIENTS = ["raw_urllib3", "raw_httpclient", "ours_urllib3", "ours_stdlib", "openai", "meganova_040"]
LABELS = {
    "raw_urllib3": "raw urllib3 + msgspec (floor)",
    "raw_httpclient": "raw http.client + msgspec (floor)",
    "ours_urllib3": "**meganova (ours), urllib3**",
    "ours_stdlib": "**meganova (ours), stdlib**",
    "openai": "openai SDK",
    "meganova_040": "meganova 0.4.0 (official)",
}
# label, import statement, peer dir
IMPORTS = [
    ("meganova (ours)", "meganova", None),
    ("urllib3, msgspec", "urllib3, msgspec", None),
    ("http.client, msgspec", "http.client, msgspec", None),
    ("openai", "openai", "openai"),
    ("meganova 0.4.0", "meganova", "meganova040"),
]

FULL = {
    "rounds": 3,
    "spec": "seq=3x1500,stream=3x10,models=3x20,threads=2x400",
    "slow_spec": "seq=3x300,stream=2x2,models=3x4,threads=2x80",
    "imports": 31,
    "cold": 9,
}
QUICK = {
    "rounds": 1,
    "spec": "seq=2x200,stream=2x2,models=2x3,threads=1x50",
    "slow_spec": "seq=2x60,stream=1x1,models=1x2,threads=1x15",
    "imports": 5,
    "cold": 3,
}
SLOW = {"openai", "meganova_040"}


def peer_env(peer: str | None, libs: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Our package comes from this checkout; a peer's process sees only its own directory.
    path = [str(PEERS / peer)] if peer else [str(HERE.parent)]
    if libs:
        path.append(str(PEERS / libs))
    env["PYTHONPATH"] = os.pathsep.join(path)
    return env


def client_env(client: str) -> dict[str, str]:
    peer = CLIENT_PEER.get(client)
    return peer_env(peer, ASYNC_LIBS if peer is None and client in arun.ACLIENTS else None)


def ensure_peers() -> None:
    PEERS.mkdir(exist_ok=True)
    for name, req in PEER_SPECS.items():
        target = PEERS / name
        marker = target / ".installed"
        if marker.exists() and marker.read_text() == req:
            continue
        print(f"installing peer {req} into {target.relative_to(HERE.parent)}", flush=True)
        subprocess.run(
            [
                PYTHON,
                "-m",
                "pip",
                "install",
                "-q",
                "--upgrade",
                "--target",
                str(target),
                *req.split(),
            ],
            check=True,
        )
        marker.write_text(req)


def start_server(chunks: int, models: int) -> tuple[subprocess.Popen[str], str]:
    return spawn_server(HERE / "server.py", "--chunks", str(chunks), "--models", str(models))


def server_stats(base: str) -> dict[str, float]:
    with urllib.request.urlopen(base.rsplit("/v1", 1)[0] + "/stats") as r:
        stats: dict[str, float] = json.loads(r.read())
        return stats


def worker(client: str, mode: str, base: str, *extra: str) -> dict:
    script = "aworker.py" if client in arun.ACLIENTS else "worker.py"
    cmd = [PYTHON, str(HERE / script), client, mode, base, *extra]
    out = subprocess.run(cmd, env=client_env(client), cwd=PEERS, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{client} {mode} failed:\n{out.stderr[-3000:]}")
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    where = result.get("meganova_file") or ""
    if client == "meganova_040" and ".peers" not in where:
        raise RuntimeError(f"meganova 0.4.0 process imported {where}")
    if client.startswith("ours") and ".peers" in where:
        raise RuntimeError(f"our process imported the peer: {where}")
    return result


# -- measurements -------------------------------------------------------------------


def measure_imports(reps: int) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    times: dict[str, list[float]] = {label: [] for label, _, _ in IMPORTS}
    code = "import time; t=time.perf_counter(); import {}; print(time.perf_counter()-t)"
    for label, stmt, peer in IMPORTS:  # warm the bytecode caches first
        subprocess.run([PYTHON, "-c", f"import {stmt}"], env=peer_env(peer), cwd=PEERS, check=True)
    for _ in range(reps):
        for label, stmt, peer in IMPORTS:
            out = subprocess.run(
                [PYTHON, "-c", code.format(stmt)],
                env=peer_env(peer),
                cwd=PEERS,
                capture_output=True,
                text=True,
                check=True,
            )
            times[label].append(float(out.stdout) * 1e3)
    tops: dict[str, list[str]] = {}
    for label, stmt, peer in IMPORTS:
        out = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", f"import {stmt}"],
            env=peer_env(peer),
            cwd=PEERS,
            capture_output=True,
            text=True,
            check=True,
        )
        rows = []
        for line in out.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[0].strip().split()[-1].isdigit():
                rows.append((int(parts[0].split()[-1]), int(parts[1]), parts[2].rstrip()))
        rows.sort(reverse=True)
        tops[label] = [f"{s / 1e3:7.1f} ms self {c / 1e3:7.1f} ms cum  {n}" for s, c, n in rows[:8]]
    return times, tops


def collect(results: list[dict], workload: str, key: str) -> list[float]:
    return [rep[key] for r in results for rep in r.get(workload, [])]


# -- output -------------------------------------------------------------------------


def row(label: str, values: list[float], floor: float | None, fmt: str = "{:,.1f}") -> str:
    if not values:
        return f"| {label} | n/a | | | |"
    med = statistics.median(values)
    ratio = f"{med / floor:.2f}x" if floor else ""
    return f"| {label} | {fmt.format(med)} | {fmt.format(min(values))} | {fmt.format(max(values))} | {ratio} |"


def table(
    title: str,
    unit: str,
    data: dict[str, list[float]],
    floor_key: str,
    note: str = "",
    fmt: str = "{:,.1f}",
) -> str:
    floor_vals = data.get(floor_key) or []
    floor = statistics.median(floor_vals) if floor_vals else None
    lines = [
        f"### {title}",
        "",
        note,
        "",
        f"| client | median {unit} | min | max | ratio to floor |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [row(LABELS.get(k, k), v, floor, fmt) for k, v in data.items()]
    return "\n".join(lines) + "\n"


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--profile", nargs=2, metavar=("CLIENT", "WORKLOAD"))
    parser.add_argument(
        "--parts",
        default="sync,async,batch,observe",
        help="any of sync, async, batch (bulk runs: benchmarks/batch.py), observe (hooks, "
        "metadata and OTel overhead: benchmarks/observe.py), comma-separated",
    )
    parser.add_argument("--async-clients", default=",".join(arun.ACLIENTS))
    parser.add_argument("--async-chunks", type=int, default=1000)
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    clients = args.clients.split(",")
    parts = args.parts.split(",")
    began = time.perf_counter()

    ensure_peers()
    aclients, missing = (
        async_clients(args.async_clients.split(",")) if "async" in parts else ([], "")
    )
    server, base = start_server(args.chunks, args.models)
    try:
        if args.profile:
            client, workload = args.profile
            spec = {
                "seq": "seq=1x2000",
                "stream": "stream=1x10",
                "models": "models=1x20",
                "threads": "threads=1x300",
            }[workload]
            print(worker(client, "profile", base, spec)["profile"])
            return
        asection = None
        if aclients:
            # a server of its own: 1,000-chunk streams; its /hold/ prefix serves the memory probe
            aserver, abase = start_server(args.async_chunks, 10)
            try:
                aplan = arun.QUICK if args.quick else arun.FULL
                hold = abase.replace("/v1", "/hold/v1")
                asection = async_section(
                    arun.measure(aplan, aclients, abase, hold, worker), aclients, missing, args
                )
            finally:
                assert aserver.stdin is not None
                aserver.stdin.close()
                aserver.wait(timeout=10)
        if "sync" in parts:
            report = run_all(plan, clients, base, args, asection)
        elif asection:
            report = async_only(args, asection)
        elif "batch" in parts or "observe" in parts:
            names = {"batch": "bulk runs", "observe": "observability overhead"}
            only = " and ".join(names[p] for p in names if p in parts)
            report = f"# Benchmark results ({only} only)\n"
        else:
            raise SystemExit("nothing to run")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    if "batch" in parts:
        import batch  # benchmarks/batch.py: its own server and workloads

        figs = batch.measure(args.quick, env=peer_env(None, ASYNC_LIBS))
        report += "\n## Bulk runs (benchmarks/batch.py)\n\n" + batch.report(figs) + "\n"
    if "observe" in parts:
        import observe  # benchmarks/observe.py: its own server, a fresh process per client

        ofigs = observe.measure(args.quick, env=peer_env(None, ASYNC_LIBS))
        report += f"\n{observe.HEADING}\n\n" + observe.report(ofigs) + "\n"
    report = report.replace("@ELAPSED@", f"{time.perf_counter() - began:.0f}")
    Path(args.out).write_text(report)
    print(report)
    print(f"wrote {args.out} in {time.perf_counter() - began:.0f}s")


ASYNC_PROBE = """
import asyncio, sys
from meganova import AsyncMegaNova

async def probe(transport):
    try:
        client = AsyncMegaNova(api_key="sk-probe", base_url="http://127.0.0.1:9/v1", transport=transport)
        await client.close()
        return True
    except Exception:
        return False

print(" ".join(t for t in sys.argv[1:] if asyncio.run(probe(t))))
"""


def async_clients(wanted: list[str]) -> tuple[list[str], str]:
    """The async clients to run: ours on each transport this checkout's ``AsyncMegaNova`` has."""
    transports = [c.split("_", 1)[1] for c in arun.OURS]
    probe = subprocess.run(
        [PYTHON, "-c", ASYNC_PROBE, *transports],
        env=client_env("ours_aiohttp"),
        cwd=PEERS,
        capture_output=True,
        text=True,
    )
    usable = {"ours_" + t for t in probe.stdout.split()} if probe.returncode == 0 else set()
    if not usable:
        note = " `AsyncMegaNova` is not in this checkout yet: its rows are n/a."
    elif usable != set(arun.OURS):
        note = f" Not in this checkout: {', '.join(sorted(set(arun.OURS) - usable))} (n/a)."
    else:
        note = ""
    return [c for c in wanted if c not in arun.OURS or c in usable], note


def versions() -> str:
    code = "import importlib.metadata as m, sys; print(', '.join(n + ' ' + m.version(n) for n in sys.argv[1:]))"
    found = []
    for client, names in (
        ("raw_aiohttp", ["aiohttp", "httpx", "urllib3", "msgspec"]),
        ("openai", ["openai"]),
    ):
        out = subprocess.run(
            [PYTHON, "-c", code, *names],
            env=client_env(client),
            cwd=PEERS,
            capture_output=True,
            text=True,
        )
        found.append(out.stdout.strip() if out.returncode == 0 else f"{names}: not found")
    return ", ".join(found)


def async_section(
    figs: dict[str, dict[str, list[float]]],
    aclients: list[str],
    missing: str,
    args: argparse.Namespace,
) -> dict[str, list]:
    """The async targets, figures and README summary, for run_all or async_only."""
    return {
        "targets": arun.targets(figs, aclients),
        "figures": arun.figures(figs, missing),
        "summary": [
            "## Async summary (for README)",
            "",
            *arun.summary(figs),
            "",
        ],  # tests/test_readme.py keeps README in sync
    }


def async_only(args: argparse.Namespace, asection: dict[str, list]) -> str:
    out = [
        "# Benchmark results (async part only)",
        "",
        f"One run of `python benchmarks/run.py --parts async{' --quick' if args.quick else ''}` on "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores; took @ELAPSED@ s. "
        f"Libraries: {versions()}.",
        "",
        "## Targets",
        "",
        "| target | measured | verdict |",
        "|---|---:|---|",
    ]
    verdict = {True: "**holds**", False: "**MISSED**", None: "**not measured**"}
    out += [f"| {t} | {v} | {verdict[ok]} |" for t, v, ok in asection["targets"]]
    return "\n".join([*out, "", *asection["figures"], *asection["summary"]])


def run_all(
    plan: dict,
    clients: list[str],
    base: str,
    args: argparse.Namespace,
    asection: dict[str, list] | None = None,
) -> str:
    print("import times ...", flush=True)
    import_times, import_tops = measure_imports(plan["imports"])

    print("server cost ...", flush=True)
    s0 = server_stats(base)
    floor_seq = worker(FLOOR, "bench", base, "seq=1x2000")["seq"][0]
    s1 = server_stats(base)
    server_us = (s1["cpu"] - s0["cpu"]) / (s1["requests"] - s0["requests"]) * 1e6
    worker(FLOOR, "bench", base, "stream=1x10")
    s2 = server_stats(base)
    server_stream_us = (
        (s2["cpu"] - s1["cpu"]) / ((s2["requests"] - s1["requests"]) * args.chunks) * 1e6
    )

    print("cold starts ...", flush=True)
    cold: dict[str, list[float]] = {c: [] for c in clients}
    for _ in range(plan["cold"]):
        for c in clients:
            cold[c].append(worker(c, "cold", base)["cold_ms"])

    print("peak RSS ...", flush=True)
    rss = {c: [worker(c, "rss", base)["peak_rss_mb"]] for c in clients}

    bench: dict[str, list[dict]] = {c: [] for c in clients}
    for rnd in range(plan["rounds"]):
        order = clients[rnd % len(clients) :] + clients[: rnd % len(clients)]
        for c in order:
            print(f"round {rnd + 1}/{plan['rounds']}: {c} ...", flush=True)
            spec = plan["slow_spec"] if c in SLOW else plan["spec"]
            bench[c].append(worker(c, "bench", base, spec))

    def fig(workload: str, key: str) -> dict[str, list[float]]:
        return {c: collect(bench[c], workload, key) for c in clients}

    seq_rate, seq_cpu = fig("seq", "calls_per_s"), fig("seq", "cpu_us_per_call")
    st_rate, st_cpu = fig("stream", "chunks_per_s"), fig("stream", "cpu_us_per_chunk")
    mod_ms, mod_cpu = fig("models", "ms_per_list"), fig("models", "cpu_ms_per_list")
    thr_rate, thr_err = fig("threads", "calls_per_s"), fig("threads", "errors")
    import_ms = {k: v for k, v in import_times.items()}

    m = {
        name: {c: med(v) for c, v in d.items()}
        for name, d in {
            "seq": seq_rate,
            "stream": st_rate,
            "models": mod_ms,
            "threads": thr_rate,
            "cold": cold,
            "rss": rss,
        }.items()
    }
    imp = {k: med(v) for k, v in import_ms.items()}

    def check(ok: bool | None) -> str:
        return "**not measured**" if ok is None else "**holds**" if ok else "**MISSED**"

    targets: list[tuple[str, str, bool | None]] = []
    ours_imp = imp["meganova (ours)"]
    targets.append(
        (
            "import meganova < 0.5x import urllib3, msgspec",
            f"{ours_imp / imp['urllib3, msgspec']:.2f}x",
            ours_imp / imp["urllib3, msgspec"] < 0.5,
        )
    )
    targets.append(
        (
            "import meganova < 1/10 of import openai",
            f"{ours_imp / imp['openai']:.3f}x",
            ours_imp / imp["openai"] < 0.1,
        )
    )
    for ours in ("ours_urllib3", "ours_stdlib"):
        if ours not in clients:
            continue
        floor = "raw_urllib3" if ours == "ours_urllib3" else "raw_httpclient"
        tag = ours.split("_")[1]
        g = lambda n, c: m[n].get(c, float("nan"))  # noqa: E731
        targets.append(
            (
                f"cold start ({tag}) <= raw urllib3 floor",
                f"{g('cold', ours) / g('cold', FLOOR):.2f}x",
                g("cold", ours) <= g("cold", FLOOR),
            )
        )
        targets.append(
            (
                f"calls/s ({tag}) >= 0.85x {floor}",
                f"{g('seq', ours) / g('seq', floor):.2f}x",
                g("seq", ours) >= 0.85 * g("seq", floor),
            )
        )
        targets.append(
            (
                f"calls/s ({tag}) >= 4x openai",
                f"{g('seq', ours) / g('seq', 'openai'):.1f}x",
                g("seq", ours) >= 4 * g("seq", "openai"),
            )
        )
        targets.append(
            (
                f"stream chunks/s ({tag}) >= 0.8x raw urllib3",
                f"{g('stream', ours) / g('stream', FLOOR):.2f}x",
                g("stream", ours) >= 0.8 * g("stream", FLOOR),
            )
        )
        targets.append(
            (
                f"stream chunks/s ({tag}) >= 20x openai",
                f"{g('stream', ours) / g('stream', 'openai'):.1f}x",
                g("stream", ours) >= 20 * g("stream", "openai"),
            )
        )
        targets.append(
            (
                f"model list time ({tag}) <= 1.3x {floor}",
                f"{g('models', ours) / g('models', floor):.2f}x",
                g("models", ours) <= 1.3 * g("models", floor),
            )
        )
        targets.append(
            (
                f"model list ({tag}) >= 7x faster than openai",
                f"{g('models', 'openai') / g('models', ours):.1f}x",
                g("models", "openai") >= 7 * g("models", ours),
            )
        )
        targets.append(
            (
                f"peak RSS ({tag}) <= 1.15x raw urllib3",
                f"{g('rss', ours) / g('rss', FLOOR):.2f}x",
                g("rss", ours) <= 1.15 * g("rss", FLOOR),
            )
        )
        errs = sum(thr_err.get(ours, [1]))
        targets.append(
            (
                f"8 threads ({tag}) >= 0.85x {floor}, 0 errors",
                f"{g('threads', ours) / g('threads', floor):.2f}x, {errs:.0f} errors",
                g("threads", ours) >= 0.85 * g("threads", floor) and errs == 0,
            )
        )

    out = [
        "# Benchmark results",
        "",
        f"One run of `python benchmarks/run.py{' --quick' if args.quick else ''}` on {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; took @ELAPSED@ s. "
        "Ratios compare medians of this run only; the machine is shared, so expect "
        "about ±10% noise on wall-clock figures (min/max show the spread).",
        "",
        f"Server: {args.chunks} chunks per stream, {args.models} models per list. Its own CPU cost: "
        f"**{server_us:.0f} µs per chat request** (the raw urllib3 floor spends {1e6 / floor_seq['calls_per_s']:.0f} µs "
        f"wall per call) and **{server_stream_us:.2f} µs per streamed chunk**. It runs in its own process; on 2 cores "
        "it competes with the client for CPU equally for every client.",
        "",
        f"Libraries: {versions()}.",
        "",
        "## Targets",
        "",
        "| target | measured | verdict |",
        "|---|---:|---|",
    ]
    if asection:
        targets += asection["targets"]
    out += [f"| {t} | {v} | {check(ok)} |" for t, v, ok in targets]
    out += ["", "## Figures", ""]
    out.append(
        table(
            "Import time",
            "ms",
            import_ms,
            "urllib3, msgspec",
            '`python -c "import X"` in a fresh process, in-process time of the import statement; ratio to `import urllib3, msgspec`. Lower is better.',
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "Cold start",
            "ms",
            cold,
            FLOOR,
            "Fresh process: import + construct + first non-streaming call. Lower is better.",
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "Sequential non-streaming calls",
            "calls/s",
            seq_rate,
            FLOOR,
            "One client, one thread, keep-alive. Higher is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table(
            "CPU per non-streaming call",
            "µs",
            seq_cpu,
            FLOOR,
            "Client process CPU time per call. Lower is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table(
            f"Streaming ({args.chunks}-chunk SSE stream)",
            "chunks/s",
            st_rate,
            FLOOR,
            "Every chunk decoded (typed models for the SDKs, dicts for the floors). Higher is better.",
            "{:,.0f}",
        )
    )
    out.append(table("CPU per streamed chunk", "µs", st_cpu, FLOOR, "Lower is better.", "{:,.2f}"))
    out.append(
        table(
            f"Model list ({args.models} models)",
            "ms per list",
            mod_ms,
            FLOOR,
            "Fetch and decode `GET /v1/models`. Lower is better.",
            "{:,.2f}",
        )
    )
    out.append(table("CPU per model list", "ms", mod_cpu, FLOOR, "Lower is better.", "{:,.2f}"))
    out.append(
        table(
            "Peak RSS",
            "MB",
            rss,
            FLOOR,
            "Fresh process after one chat call, one full stream and one model list. Lower is better.",
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "8 threads sharing one client",
            "calls/s",
            thr_rate,
            FLOOR,
            "The http.client floor uses one connection per thread. Higher is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table("8 threads: errors", "errors per run", thr_err, FLOOR, "Must be 0.", "{:,.0f}")
    )
    out += ["### `-X importtime`, top entries by own time", ""]
    for label, rows in import_tops.items():
        out += [f"`import {label}`:", "", "```", *rows, "```", ""]
    if asection:
        out += asection["figures"]
    summary = [
        "| | meganova, urllib3 | meganova, stdlib | raw urllib3 floor | openai | meganova 0.4.0 |",
        "|---|---:|---:|---:|---:|---:|",
        f"| import (ms) | {imp['meganova (ours)']:.1f} | {imp['meganova (ours)']:.1f} | {imp['urllib3, msgspec']:.1f} | {imp['openai']:.0f} | {imp['meganova 0.4.0']:.0f} |",
    ]
    for name, unit, fmt in (
        ("cold", "cold start (ms)", "{:.0f}"),
        ("seq", "calls/s", "{:,.0f}"),
        ("stream", "stream chunks/s", "{:,.0f}"),
        ("models", "2,000-model list (ms)", "{:.1f}"),
        ("rss", "peak RSS (MB)", "{:.1f}"),
        ("threads", "8-thread calls/s", "{:,.0f}"),
    ):
        vals = [
            m[name].get(c, float("nan"))
            for c in ("ours_urllib3", "ours_stdlib", FLOOR, "openai", "meganova_040")
        ]
        summary.append(f"| {unit} | " + " | ".join(fmt.format(v) for v in vals) + " |")
    out += [
        "## Summary (for README)",
        "",
        *summary,
        "",
    ]  # tests/test_readme.py keeps README in sync
    if asection:
        out += asection["summary"]
    return "\n".join(out)


if __name__ == "__main__":
    main()
