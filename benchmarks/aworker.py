"""Runs one async client's workloads in this process (one event loop), prints one JSON object.

python aworker.py CLIENT bench BASE SPEC   SPEC like calls=3x10,streams=3
python aworker.py CLIENT mem   BASE        memory per open stream, 100 open (BASE: .../hold/v1)

calls=RxK: R reps; in each, 200 tasks make K sequential non-streamed calls each, so 200
calls are always in flight. streams=R: R reps of 100 concurrent streams read to the end.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
import tracemalloc

TASKS = 200
STREAMS = 100
EXPECTED = "Code flows"


async def calls(client, reps, per_task):
    async def task():
        for _ in range(per_task):
            answer = await client.chat()
            if not answer.startswith(EXPECTED):
                raise RuntimeError(f"unexpected answer {answer[:40]!r}")

    await asyncio.gather(*(client.chat() for _ in range(TASKS)))  # warm: the pool fills
    out = []
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        await asyncio.gather(*(task() for _ in range(TASKS)))
        w, c = time.perf_counter() - w, time.process_time() - c
        n = TASKS * per_task
        out.append({"calls_per_s": n / w, "cpu_us_per_call": c / n * 1e6})
    return out


async def streams(client, reps):
    expected = await client.stream()
    await asyncio.gather(*(client.stream() for _ in range(STREAMS)))  # warm: the pool fills
    out = []
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        got = await asyncio.gather(*(client.stream() for _ in range(STREAMS)))
        w, c = time.perf_counter() - w, time.process_time() - c
        if any(g != expected for g in got):
            raise RuntimeError(f"stream chunk counts {sorted(set(got))}, expected {expected}")
        n = STREAMS * expected
        out.append({"chunks_per_s": n / w, "cpu_us_per_chunk": c / n * 1e6, "chunks": expected})
    return out


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def hold_open(client, traced):
    """Memory held by 100 open streams, each with its first chunk, waiting for the next
    (the server pauses there). The pool is full and everything imported beforehand, so
    only per-stream state counts."""
    got = await asyncio.gather(*(client.stream() for _ in range(STREAMS)))
    gc.collect()
    rss0 = rss_bytes()
    if traced:
        tracemalloc.start()
    opened = 0
    all_open, release = asyncio.Event(), asyncio.Event()

    async def hold():
        nonlocal opened
        opened += 1
        if opened == STREAMS:
            all_open.set()
        await release.wait()

    began = time.perf_counter()
    tasks = [asyncio.ensure_future(client.stream(hold)) for _ in range(STREAMS)]
    await asyncio.wait_for(all_open.wait(), 60)
    open_s = time.perf_counter() - began
    await asyncio.sleep(0.1)  # let what is in flight land
    held = tracemalloc.get_traced_memory() if traced else (rss_bytes() - rss0, 0)
    release.set()
    got += await asyncio.gather(*tasks)
    tracemalloc.stop()
    if len(set(got)) != 1:
        raise RuntimeError(f"stream chunk counts {sorted(set(got))}")
    return held, open_s


async def memory(client):
    # RSS first: tracemalloc's own tables would count in the RSS delta.
    (rss, _), open_s = await hold_open(client, traced=False)
    (traced, peak), _ = await hold_open(client, traced=True)
    return {
        "rss_kb_per_stream": rss / STREAMS / 1024,
        "traced_kb_per_stream": traced / STREAMS / 1024,
        "traced_peak_kb_per_stream": peak / STREAMS / 1024,
        "open_s": open_s,  # to open all 100; above the server's pause, early ones read on
    }


async def reported(workload):
    """A workload's figures, or the error it ended with (the report shows it, the other
    workloads and clients still run)."""
    try:
        return await workload
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def parse_spec(spec):
    plan = {}
    for part in spec.split(","):
        name, _, sizes = part.partition("=")
        plan[name] = [int(x) for x in sizes.split("x")] if sizes else []
    return plan


RUNNERS = {"calls": calls, "streams": streams}


async def run(name, mode, base, spec):
    from aclients import ACLIENTS

    client = ACLIENTS[name](base)
    try:
        if mode == "bench":
            out = {}
            for w, sizes in parse_spec(spec).items():
                out[w] = await reported(RUNNERS[w](client, *sizes))
            return out
        if mode == "mem":
            return await reported(memory(client))
        raise SystemExit(f"unknown mode {mode}")
    finally:
        await client.aclose()


def main():
    name, mode, base = sys.argv[1:4]
    result = asyncio.run(run(name, mode, base, sys.argv[4] if len(sys.argv) > 4 else ""))
    mod = sys.modules.get("meganova")
    result["meganova_file"] = getattr(mod, "__file__", None)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
