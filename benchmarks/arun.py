"""The async half of run.py: runs aworker.py per client in interleaved rounds and renders
the async targets, figures and README summary.

Workloads: 200 concurrent non-streamed calls (200 tasks, each calling in a loop) and 100
concurrent streams of 1,000 chunks, one event loop per process; then the memory 100 open
streams hold while waiting for their next chunk.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable

ACLIENTS = [
    "raw_aiohttp",
    "raw_httpx",
    "ours_aiohttp",
    "ours_httpx",
    "ours_threads",
    "async_openai",
]
OURS = ("ours_aiohttp", "ours_httpx", "ours_threads")
ALABELS = {
    "raw_aiohttp": "raw aiohttp + msgspec (floor)",
    "raw_httpx": "raw httpx + msgspec (floor)",
    "ours_aiohttp": "**AsyncMegaNova (ours), aiohttp**",
    "ours_httpx": "**AsyncMegaNova (ours), httpx**",
    "ours_threads": "**AsyncMegaNova (ours), threads**",
    "async_openai": "AsyncOpenAI",
}
# the raw floor of the same library (the threads transport has none: urllib3 in threads)
OWN_FLOOR = {
    "raw_aiohttp": "raw_aiohttp",
    "raw_httpx": "raw_httpx",
    "ours_aiohttp": "raw_aiohttp",
    "ours_httpx": "raw_httpx",
}
PEER = "async_openai"
# httpx's pool is slow with 200 requests in flight, AsyncOpenAI per chunk: fewer reps
SLOW = {"raw_httpx", "ours_httpx", "async_openai"}
FULL = {"rounds": 3, "spec": "calls=2x10,streams=2", "slow_spec": "calls=3x3,streams=1"}
QUICK = {"rounds": 1, "spec": "calls=1x3,streams=1", "slow_spec": "calls=1x1,streams=1"}

Worker = Callable[..., dict]


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(
    plan: dict, clients: list[str], base: str, hold_base: str, worker: Worker
) -> dict[str, dict[str, list[float]]]:
    """Per figure, per client, every rep's value."""
    bench: dict[str, list[dict]] = {c: [] for c in clients}
    for rnd in range(plan["rounds"]):
        order = clients[rnd % len(clients) :] + clients[: rnd % len(clients)]
        for c in order:
            print(f"async round {rnd + 1}/{plan['rounds']}: {c} ...", flush=True)
            spec = plan["slow_spec"] if c in SLOW else plan["spec"]
            bench[c].append(worker(c, "bench", base, spec))
    errors: dict[str, str] = {}

    def reps(c: str, result: dict, workload: str) -> list[dict]:
        got = result.get(workload)
        if isinstance(got, dict) and "error" in got:
            errors[f"{c} {workload}"] = got["error"]
            return []
        return got or []

    figs: dict[str, dict[str, list[float]]] = {}
    for name, workload, key in (
        ("calls", "calls", "calls_per_s"),
        ("call_cpu", "calls", "cpu_us_per_call"),
        ("chunks", "streams", "chunks_per_s"),
        ("chunk_cpu", "streams", "cpu_us_per_chunk"),
    ):
        figs[name] = {
            c: [rep[key] for r in bench[c] for rep in reps(c, r, workload)] for c in clients
        }
    print("async memory per open stream ...", flush=True)
    mem = {c: worker(c, "mem", hold_base) for c in clients}
    for key in ("traced_kb_per_stream", "traced_peak_kb_per_stream", "rss_kb_per_stream", "open_s"):
        figs[key] = {c: [m[key]] if key in m else [] for c, m in mem.items()}
    for c, m in mem.items():
        if "error" in m:
            errors[f"{c} memory"] = m["error"]
    figs["errors"] = errors  # type: ignore[assignment]
    return figs


def targets(
    figs: dict[str, dict[str, list[float]]], clients: list[str]
) -> list[tuple[str, str, bool | None]]:
    """(target, measured, verdict); the verdict is None where a side was not measured."""
    out: list[tuple[str, str, bool | None]] = []

    def add(target: str, r: float, ok: bool, fmt: str) -> None:
        out.append((target, "n/a", None) if math.isnan(r) else (target, fmt.format(r), ok))

    for ours in OURS:
        if ours not in clients:
            continue
        tag = ours.split("_")[1]
        floor = OWN_FLOOR.get(ours)
        for fig, what in (
            ("calls", "calls/s, 200 concurrent"),
            ("chunks", "chunks/s, 100 streams"),
        ):
            mine = med(figs[fig][ours])
            if floor:
                r = mine / med(figs[fig][floor])
                add(f"async {what} ({tag}) >= 0.85x {floor}", r, r >= 0.85, "{:.2f}x")
            if PEER in clients:
                r = mine / med(figs[fig][PEER])
                add(f"async {what} ({tag}) >= 4x AsyncOpenAI", r, r >= 4, "{:.1f}x")
    return out


def _row(label: str, values: list[float], own: float | None, peer: float | None, fmt: str) -> str:
    if not values:
        return f"| {label} | n/a | | | | |"
    m = med(values)
    r_own = f"{m / own:.2f}x" if own else "—"
    r_peer = f"{m / peer:.2f}x" if peer else "—"
    return f"| {label} | {fmt.format(m)} | {fmt.format(min(values))} | {fmt.format(max(values))} | {r_own} | {r_peer} |"


def table(title: str, unit: str, data: dict[str, list[float]], note: str, fmt: str) -> str:
    lines = [
        f"### {title}",
        "",
        note,
        "",
        f"| client | median {unit} | min | max | ratio to own floor | ratio to AsyncOpenAI |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    peer = med(data[PEER]) if data.get(PEER) else None
    for c, values in data.items():
        floor = OWN_FLOOR.get(c)
        own = med(data[floor]) if floor and data.get(floor) else None
        lines.append(_row(ALABELS[c], values, own, peer, fmt))
    return "\n".join(lines) + "\n"


def figures(figs: dict[str, dict[str, list[float]]], missing_note: str) -> list[str]:
    out = [
        "## Async figures",
        "",
        "One event loop per client process. The raw floors keep 100 pooled connections "
        "(aiohttp's default limit; httpx's default would keep only 20 alive) and decode to "
        "dicts with msgspec; the SDKs run with their defaults and decode into typed models. "
        f"The own floor of a client is the raw floor of the library it runs on.{missing_note}",
        "",
    ]
    errors = figs.get("errors") or {}
    if errors:
        out += ["Failed (their figures are n/a):", ""]
        out += [f"- {where}: `{error}`" for where, error in errors.items()]  # type: ignore[union-attr]
        out.append("")
    out.append(
        table(
            "200 concurrent non-streamed calls",
            "calls/s",
            figs["calls"],
            "200 tasks, each calling in a loop; aggregate calls per second. Higher is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table(
            "CPU per call, 200 concurrent",
            "µs",
            figs["call_cpu"],
            "Client process CPU time (every thread). Lower is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table(
            "100 concurrent streams of 1,000 chunks",
            "chunks/s",
            figs["chunks"],
            "Aggregate chunks per second, every chunk decoded. Higher is better.",
            "{:,.0f}",
        )
    )
    out.append(
        table(
            "CPU per streamed chunk, 100 concurrent",
            "µs",
            figs["chunk_cpu"],
            "Lower is better.",
            "{:,.2f}",
        )
    )
    out.append(
        table(
            "Memory per open stream",
            "KB",
            figs["traced_kb_per_stream"],
            "100 streams open at once, each holding its first chunk while the server pauses "
            "before the next (as a model between tokens): Python memory allocated since just "
            "before they opened (tracemalloc), / 100. Lower is better.",
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "Peak memory per open stream",
            "KB",
            figs["traced_peak_kb_per_stream"],
            "The same, the peak while the 100 streams opened. Lower is better.",
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "RSS growth per open stream",
            "KB",
            figs["rss_kb_per_stream"],
            "The same 100 streams, process RSS before/after, / 100 (memory freed by the "
            "warm-up is reused, so this is often near 0; tracemalloc above is the figure).",
            "{:,.1f}",
        )
    )
    out.append(
        table(
            "Time to open 100 streams",
            "s",
            figs["open_s"],
            "Until every stream has its first chunk (the server pauses 1.5 s after it).",
            "{:,.2f}",
        )
    )
    return out


def summary(figs: dict[str, dict[str, list[float]]]) -> list[str]:
    cols = ("ours_aiohttp", "ours_httpx", "ours_threads", "raw_aiohttp", "raw_httpx", PEER)
    lines = [
        "| async, one event loop | AsyncMegaNova, aiohttp | AsyncMegaNova, httpx | AsyncMegaNova, threads | raw aiohttp floor | raw httpx floor | AsyncOpenAI |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, unit, fmt in (
        ("calls", "calls/s, 200 concurrent", "{:,.0f}"),
        ("chunks", "chunks/s, 100 streams", "{:,.0f}"),
        ("traced_kb_per_stream", "KB per open stream", "{:,.1f}"),
    ):
        vals = [figs[key].get(c) for c in cols]
        lines.append(
            f"| {unit} | " + " | ".join(fmt.format(med(v)) if v else "n/a" for v in vals) + " |"
        )
    return lines
