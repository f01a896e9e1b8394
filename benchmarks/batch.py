"""Bulk runs (``meganova.batch``): throughput through a 429 burst, memory over a huge
input, and the loop's cost per item against a plain ``asyncio.gather`` + semaphore.

    python benchmarks/batch.py            # full: 10,000 requests, a 1,000,000-line input
    python benchmarks/batch.py --quick    # smoke: 2,000 requests, 100,000 lines
    python benchmarks/run.py --parts batch  # the same, as a section of RESULTS.md

Workloads, each in a fresh process (``--workload NAME``, prints JSON):

- ``throughput``: ``batch_server.py`` holds every reply 50 ms and refuses everything
  arriving 2 s into the run for 0.3 s with ``retry-after-ms: 500``; 10,000 chat
  requests at concurrency 64 through ``AsyncMegaNova`` (aiohttp), results to a JSONL
  file. Target: at least 0.9x the ideal throughput (concurrency / latency) outside the
  burst, nothing lost or duplicated, the summary equal to the server's own count.
  ``gather`` gives the machine's ceiling beside it: plain ``asyncio.gather`` + a
  semaphore on the same client and a server without the burst (half as many requests).
- ``memory``: a 1,000,000-line JSONL input through an in-process transport answering at
  once; RSS sampled at 10 %, 50 % and 100 % of the run. Flat: the input is read lazily
  and results are not kept; what grows is the id set (32 bytes per ``custom_id`` in a
  table at most half full), for duplicates and resume.
- ``overhead``: 20,000 requests on that in-process transport, CPU per item: a plain
  ``asyncio.gather`` over a ``Semaphore(64)`` vs ``arun(concurrency=64)`` without and
  with an output file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from spawn import spawn_server

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable

FULL = {"requests": 10_000, "lines": 1_000_000, "items": 20_000, "reps": 3, "burst_at": 2.0}
QUICK = {"requests": 2_000, "lines": 100_000, "items": 5_000, "reps": 1, "burst_at": 0.6}
CONCURRENCY = 64
LATENCY = 0.05
BURST_FOR = 0.3
RETRY_AFTER = 0.5


def request_line(i: int) -> str:
    return json.dumps(
        {
            "custom_id": f"req-{i:07d}",
            "method": "chat.create",
            "params": {
                "model": "meganova-ai/manta-flash-1.0",
                "messages": [{"role": "user", "content": f"req-{i:07d}"}],
                "max_tokens": 32,
            },
        },
        separators=(",", ":"),
    )


def write_input(path: Path, n: int) -> None:
    with open(path, "w") as f:
        for i in range(n):
            f.write(request_line(i) + "\n")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


# -- in the workload's process ---------------------------------------------------------

REPLY = (
    b'{"id":"chatcmpl-b","object":"chat.completion","created":1767225600,'
    b'"model":"meganova-ai/manta-flash-1.0","choices":[{"index":0,"message":'
    b'{"role":"assistant","content":"A short answer."},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}'
)


class InstantTransport:
    """An async transport answering every request at once with one canned reply."""

    async def send(self, request: Any) -> Any:
        from meganova.adapters.fake_transport import FakeResponse

        return FakeResponse(200, REPLY, {"Content-Type": "application/json"})

    async def aclose(self) -> None:
        pass


def instant_client() -> Any:
    from meganova import AsyncMegaNova

    return AsyncMegaNova(
        api_key="sk-bench", base_url="http://127.0.0.1:9/v1", transport=InstantTransport()
    )


def workload_gather(base: str, n: int) -> Dict[str, Any]:
    """The machine's ceiling: plain ``asyncio.gather`` + semaphore, same client, no burst."""
    from meganova import AsyncMegaNova

    requests = [json.loads(request_line(i)) for i in range(n)]

    async def go() -> float:
        async with AsyncMegaNova(api_key="sk-bench", base_url=base) as client:
            sem = asyncio.Semaphore(CONCURRENCY)

            async def one(request: Dict[str, Any]) -> Any:
                async with sem:
                    return await client.chat.create(**request["params"])

            await asyncio.gather(*(one(r) for r in requests[:CONCURRENCY]))  # connect
            start = time.perf_counter()
            await asyncio.gather(*(one(r) for r in requests))
            return time.perf_counter() - start

    return {"per_s": n / asyncio.run(go())}


def workload_throughput(base: str, n: int) -> Dict[str, Any]:
    import meganova.batch
    from meganova import AsyncMegaNova

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        write_input(src, n)

        async def go() -> Any:
            async with AsyncMegaNova(api_key="sk-bench", base_url=base, max_retries=3) as client:
                return await meganova.batch.arun(
                    client, src, concurrency=CONCURRENCY, output=out, progress=False
                )

        wall, cpu = time.perf_counter(), time.process_time()
        summary = asyncio.run(go())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        ids = [json.loads(line)["custom_id"] for line in out.read_bytes().splitlines()]
    return {
        "wall": wall,
        "cpu_us_per_request": cpu / max(1, summary.requests_sent) * 1e6,
        "succeeded": summary.succeeded,
        "failed": summary.failed,
        "requests_sent": summary.requests_sent,
        "retries": summary.retries,
        "pauses": summary.pauses,
        "output_lines": len(ids),
        "output_distinct": len(set(ids)),
    }


def workload_memory(lines: int) -> Dict[str, Any]:
    import meganova.batch

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        write_input(src, lines)
        marks = {lines // 10: "10%", lines // 2: "50%", lines: "100%"}
        samples: Dict[str, float] = {}
        done = [0]

        def on_result(result: Any) -> None:
            done[0] += 1
            mark = marks.get(done[0])
            if mark:
                samples[mark] = rss_mb()

        async def go() -> Any:
            return await meganova.batch.arun(
                instant_client(), src, concurrency=CONCURRENCY, progress=False, on_result=on_result
            )

        before = rss_mb()
        wall = time.perf_counter()
        summary = asyncio.run(go())
        wall = time.perf_counter() - wall
    import resource

    return {
        "lines": lines,
        "succeeded": summary.succeeded,
        "rss_before_mb": before,
        "rss_mb": samples,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "wall": wall,
    }


def workload_overhead(items: int, reps: int) -> Dict[str, Any]:
    import meganova.batch

    requests = [json.loads(request_line(i)) for i in range(items)]

    async def plain() -> None:
        client = instant_client()
        sem = asyncio.Semaphore(CONCURRENCY)

        async def one(request: Dict[str, Any]) -> Any:
            async with sem:
                return await client.chat.create(**request["params"])

        await asyncio.gather(*(one(r) for r in requests))

    async def batch(output: Optional[Path]) -> None:
        await meganova.batch.arun(
            instant_client(), requests, concurrency=CONCURRENCY, progress=False, output=output
        )

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        runs: Dict[str, Callable[[], Any]] = {
            "gather": plain,
            "batch": lambda: batch(None),
            "batch_output": lambda: batch(out),
        }
        asyncio.run(plain())  # warm: imports, first-call caches
        cpu: Dict[str, List[float]] = {name: [] for name in runs}
        for _ in range(reps):
            for name, make in runs.items():
                start = time.process_time()
                asyncio.run(make())
                cpu[name].append((time.process_time() - start) / items * 1e6)
    return {"items": items, "cpu_us_per_item": cpu}


# -- the harness -----------------------------------------------------------------------


def start_server(burst_at: float) -> tuple[subprocess.Popen[str], str]:
    return spawn_server(
        HERE / "batch_server.py",
        *("--latency", str(LATENCY), "--burst-at", str(burst_at)),
        *("--burst-for", str(BURST_FOR), "--retry-after", str(RETRY_AFTER)),
    )


def server_stats(base: str) -> Dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(base.rsplit("/v1", 1)[0] + "/stats") as r:
        stats: Dict[str, Any] = json.loads(r.read())
        return stats


def workload(name: str, *args: str, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """One workload in a fresh process of this script."""
    if env is None:
        env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    out = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--workload", name, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"batch workload {name} failed:\n{out.stderr[-3000:]}")
    result: Dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(quick: bool, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    plan = QUICK if quick else FULL
    print("batch: throughput through a 429 burst ...", flush=True)
    server, base = start_server(plan["burst_at"])
    try:
        run = workload("throughput", base, str(plan["requests"]), env=env)
        stats = server_stats(base)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    print("batch: plain asyncio.gather on the same server, no burst ...", flush=True)
    server, base = start_server(1e9)
    try:
        ceiling = workload("gather", base, str(plan["requests"] // 2), env=env)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    print("batch: memory over a huge input ...", flush=True)
    memory = workload("memory", str(plan["lines"]), env=env)
    print("batch: overhead per item ...", flush=True)
    overhead = workload("overhead", str(plan["items"]), str(plan["reps"]), env=env)
    return {
        "plan": plan,
        "run": run,
        "server": stats,
        "ceiling": ceiling,
        "memory": memory,
        "overhead": overhead,
    }


def targets(figs: Dict[str, Any]) -> List[tuple[str, str, Optional[bool]]]:
    run, stats, plan = figs["run"], figs["server"], figs["plan"]
    ideal = CONCURRENCY / LATENCY
    span = stats["last_reply"] - stats["first"]
    burst = stats["burst"][1] - stats["burst"][0] if stats["burst"] else 0.0
    outside = stats["ok"] / (span - burst) if span > burst else float("nan")
    lost = plan["requests"] - stats["distinct_ok"]
    matches = (
        run["requests_sent"] == stats["requests"]
        and run["succeeded"] == stats["ok"]
        and run["output_lines"] == run["output_distinct"] == plan["requests"]
    )
    mem = figs["memory"]["rss_mb"]
    growth = mem.get("100%", float("nan")) - mem.get("10%", float("nan"))
    per_line = growth * 1e6 / (0.9 * figs["memory"]["lines"])
    return [
        (
            f"batch: {plan['requests']:,} requests at concurrency {CONCURRENCY}, 50 ms latency, "
            f">= 0.9x ideal ({ideal:,.0f}/s) outside the 429 burst",
            f"{outside / ideal:.2f}x ({outside:,.0f}/s; burst {burst:.2f} s, "
            f"{stats['rate_limited']} refused, {run['pauses']} pause(s); plain gather, "
            f"no burst: {figs['ceiling']['per_s']:,.0f}/s = {figs['ceiling']['per_s'] / ideal:.2f}x)",
            outside >= 0.9 * ideal,
        ),
        (
            "batch: zero lost or duplicated; summary = server's count",
            f"lost {lost}, duplicated {stats['duplicates']}; sent {run['requests_sent']:,} vs "
            f"server {stats['requests']:,}; ok {run['succeeded']:,} vs {stats['ok']:,}",
            lost == 0 and stats["duplicates"] == 0 and matches,
        ),
        (
            f"batch: memory flat over a {figs['memory']['lines']:,}-line input",
            f"RSS {mem.get('10%', 0):.0f} -> {mem.get('50%', 0):.0f} -> "
            f"{mem.get('100%', 0):.0f} MB at 10/50/100 % ({per_line:.0f} B per line: the id set)",
            per_line < 100,
        ),
    ]


def figures(figs: Dict[str, Any]) -> List[str]:
    cpu = figs["overhead"]["cpu_us_per_item"]
    med = {k: statistics.median(v) for k, v in cpu.items()}
    run, mem = figs["run"], figs["memory"]
    return [
        "### Bulk runs (`meganova.batch`)",
        "",
        f"Throughput run: {run['succeeded']:,} succeeded in {run['wall']:.1f} s wall "
        f"({run['retries']} retries, {run['pauses']} pause(s)); client CPU "
        f"{run['cpu_us_per_request']:.0f} µs per request sent.",
        "",
        f"Memory: {mem['lines']:,} lines in {mem['wall']:.0f} s; RSS before "
        f"{mem['rss_before_mb']:.0f} MB, at 10/50/100 %: "
        + ", ".join(f"{v:.0f}" for v in mem["rss_mb"].values())
        + f" MB; peak {mem['peak_mb']:.0f} MB.",
        "",
        f"Overhead per item ({figs['overhead']['items']:,} requests, in-process transport, "
        "CPU µs per item, median):",
        "",
        "| loop | µs per item | ratio to gather |",
        "|---|---:|---:|",
        f"| `asyncio.gather` + `Semaphore(64)` | {med['gather']:.1f} | 1.00x |",
        f"| `batch.arun(concurrency=64)` | {med['batch']:.1f} | {med['batch'] / med['gather']:.2f}x |",
        f"| `batch.arun(..., output=file)` | {med['batch_output']:.1f} | "
        f"{med['batch_output'] / med['gather']:.2f}x |",
        "",
        f"Overhead of the bulk-run loop: {med['batch'] - med['gather']:+.1f} µs per item "
        f"({med['batch_output'] - med['gather']:+.1f} µs with the output file).",
        "",
    ]


def report(figs: Dict[str, Any]) -> str:
    verdict = {True: "**holds**", False: "**MISSED**", None: "**not measured**"}
    out = ["| target | measured | verdict |", "|---|---:|---|"]
    out += [f"| {t} | {v} | {verdict[ok]} |" for t, v, ok in targets(figs)]
    return "\n".join([*out, "", *figures(figs)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        name = args.workload
        if name == "gather":
            result = workload_gather(args.args[0], int(args.args[1]))
        elif name == "throughput":
            result = workload_throughput(args.args[0], int(args.args[1]))
        elif name == "memory":
            result = workload_memory(int(args.args[0]))
        else:
            result = workload_overhead(int(args.args[0]), int(args.args[1]))
        print(json.dumps(result))
        return
    print(report(measure(args.quick)))


if __name__ == "__main__":
    main()
