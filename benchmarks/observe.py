"""What seeing inside a call costs: hooks, response metadata and OpenTelemetry, each
against a client without them, side by side in one run.

    python benchmarks/observe.py [--quick]      # report on stdout
    python benchmarks/run.py --parts observe    # the same, as a section of RESULTS.md

Variants, each its own client in the same process (interleaved rounds, medians):

- ``baseline``: no hooks, ``response_info`` never asked.
- ``no_capture``: the baseline with the drivers' metadata capture patched out (each
  result keeping its reply for ``response_info``): the capture's own cost, which every
  call pays, by difference.
- ``hooks``: one no-op hook of each of the seven kinds (sync callables, both clients).
- ``otel_api``: ``meganova.otel.instrument(client)`` with no SDK configured, so the
  OpenTelemetry API hands out its no-op tracer and meter (what a library user gets when
  the application sets up no tracing).
- ``otel_sdk``: ``instrument(client, tracer_provider=..., meter_provider=...)`` with the
  SDK: a ``TracerProvider`` exporting every span to an ``InMemorySpanExporter`` (cleared
  each round) through a ``SimpleSpanProcessor``, and a ``MeterProvider`` with an
  ``InMemoryMetricReader``.
- ``info``: no hooks; ``response_info(result)`` read on every result (its status,
  request id and one header), the metadata a user asks for.

Workloads, per variant: non-streamed chat calls and chat streams read to the end
(``STREAM_CHUNKS`` chunks each), on ``MegaNova`` (urllib3) and ``AsyncMegaNova``
(aiohttp; calls one after another in one task). Two views:

- ``wire``: against ``server.py`` on 127.0.0.1, in its own process; CPU µs per call of
  the client's process (``time.process_time``), so the server's share stays out.
- ``in-process``: the same calls on a transport answering at once from memory with the
  server's bytes: no sockets, no scheduler, the noise-free view of the SDK's own work.

Ratios compare each variant's median to the baseline's median from the same rounds.
Each client flavour runs in a fresh process (``--workload sync|async BASE``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

from spawn import spawn_server

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable

STREAM_CHUNKS = 50
MODEL = "meganova-ai/manta-flash-1.0"
MESSAGES = [{"role": "user", "content": "Write a haiku about code."}]
VARIANTS = ["baseline", "no_capture", "hooks", "otel_api", "otel_sdk", "info"]
LABELS = {
    "baseline": "no hooks (baseline)",
    "no_capture": "metadata capture patched out",
    "hooks": "7 no-op hooks",
    "otel_api": "`otel.instrument`, API only (no-op tracer)",
    "otel_sdk": "`otel.instrument`, SDK + in-memory exporter",
    "info": "`response_info()` on every result",
}
WORKLOADS = ["sync_chat", "sync_stream", "async_chat", "async_stream"]
HEADINGS = {
    "sync_chat": "sync call",
    "sync_stream": "sync stream",
    "async_chat": "async call",
    "async_stream": "async stream",
}
# rounds, then per round and variant: calls, streams (wire); calls, streams (in-process)
HEADING = "## Observability overhead (benchmarks/observe.py)"
FULL = {"rounds": 7, "wire": (300, 30), "inproc": (1000, 100)}
QUICK = {"rounds": 2, "wire": (40, 4), "inproc": (100, 10)}


# -- in the workload's process ---------------------------------------------------------


def _noop(event: Any) -> None:
    pass


def _bodies() -> tuple[bytes, List[bytes]]:
    sys.path.insert(0, str(HERE))
    import server  # benchmarks/server.py: the same bytes as on the wire

    return server.chat_body(), server.sse_events(STREAM_CHUNKS)


class _Instant:
    """Answers every request at once from memory: the chat reply, or the stream when
    the body asks for one (as ``server.py`` decides)."""

    def __init__(self) -> None:
        self.chat, self.events = _bodies()

    def reply(self, request: Any) -> Any:
        from meganova.adapters.fake_transport import FakeResponse

        if b'"stream":true' in (request.body or b""):
            headers = {"Content-Type": "text/event-stream", "x-request-id": "req_bench_0002"}
            return FakeResponse(200, list(self.events), headers)
        headers = {"Content-Type": "application/json", "x-request-id": "req_bench_0001"}
        return FakeResponse(200, self.chat, headers)


class InstantTransport(_Instant):
    def send(self, request: Any) -> Any:
        return self.reply(request)

    def close(self) -> None:
        pass


class AsyncInstantTransport(_Instant):
    async def send(self, request: Any) -> Any:
        return self.reply(request)

    async def aclose(self) -> None:
        pass


class Telemetry:
    """The OpenTelemetry SDK pieces of the ``otel_sdk`` variant (``None``: not installed)."""

    def __init__(self) -> None:
        self.exporter: Any = None
        try:
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
                InMemorySpanExporter,
            )
        except ImportError:
            return
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def clear(self) -> None:
        if self.exporter is not None:
            self.exporter.clear()


@contextlib.contextmanager
def capture(variant: str) -> Iterator[None]:
    """For ``no_capture``: the drivers' ``keep_reply`` made a no-op while it runs."""
    from meganova.adapters import drivers

    kept = drivers.keep_reply
    if variant == "no_capture":
        drivers.keep_reply = lambda target, call: None
    try:
        yield
    finally:
        drivers.keep_reply = kept


def make_client(cls: Any, variant: str, telemetry: Telemetry, **options: Any) -> Any:
    """``cls`` set up as ``variant`` wants (``None``: the variant cannot run here)."""
    from meganova import Hooks
    from meganova.adapters import drivers

    if variant == "no_capture" and not hasattr(drivers, "keep_reply"):
        return None

    if variant == "hooks":
        kinds = (
            "on_call_start",
            "on_request",
            "on_response",
            "on_retry",
            "on_stream_first_token",
            "on_stream_end",
            "on_call_end",
        )
        options["hooks"] = Hooks(**dict.fromkeys(kinds, _noop))
    client = cls(api_key="sk-bench", **options)
    if variant.startswith("otel"):
        import meganova.otel

        if not meganova.otel._available():
            return None
        if variant == "otel_sdk":
            if telemetry.exporter is None:
                return None
            meganova.otel.instrument(
                client,
                tracer_provider=telemetry.tracer_provider,
                meter_provider=telemetry.meter_provider,
            )
        else:
            meganova.otel.instrument(client)  # the global, unconfigured: no-op
    return client


def _read_info(result: Any) -> None:
    from meganova import response_info

    info = response_info(result)
    if info.status != 200 or not info.request_id or "content-type" not in info.headers:
        raise RuntimeError(f"unexpected metadata: {info!r}")


def sync_calls(client: Any, info: bool, calls: int) -> None:
    create = client.chat.completions.create
    for _ in range(calls):
        resp = create(messages=MESSAGES, model=MODEL, max_tokens=64)
        if info:
            _read_info(resp)


def sync_streams(client: Any, info: bool, streams: int) -> None:
    for _ in range(streams):
        stream = client.chat.completions.create(
            messages=MESSAGES, model=MODEL, max_tokens=64, stream=True
        )
        n = sum(1 for _ in stream)
        if n != STREAM_CHUNKS:
            raise RuntimeError(f"a stream gave {n} chunks, expected {STREAM_CHUNKS}")
        if info:
            _read_info(stream)


async def async_calls(client: Any, info: bool, calls: int) -> None:
    create = client.chat.completions.create
    for _ in range(calls):
        resp = await create(messages=MESSAGES, model=MODEL, max_tokens=64)
        if info:
            _read_info(resp)


async def async_streams(client: Any, info: bool, streams: int) -> None:
    for _ in range(streams):
        stream = await client.chat.completions.create(
            messages=MESSAGES, model=MODEL, max_tokens=64, stream=True
        )
        n = 0
        async for _ in stream:
            n += 1
        if n != STREAM_CHUNKS:
            raise RuntimeError(f"a stream gave {n} chunks, expected {STREAM_CHUNKS}")
        if info:
            _read_info(stream)


Figures = Dict[str, Dict[str, List[float]]]  # workload -> variant -> CPU µs per item


def _empty() -> Figures:
    return {w: {v: [] for v in VARIANTS} for w in ("chat", "stream")}


def rotated(clients: Dict[str, Any], round_: int) -> List[tuple[str, Any]]:
    """The variants in this round's order: each starts a round in turn, so no variant
    always runs first (cold caches) or right after the heaviest."""
    items = list(clients.items())
    shift = round_ % len(items)
    return items[shift:] + items[:shift]


def _settled() -> float:
    """The clock at the start of a timed block, after a full collection: what earlier
    blocks (or the wire view) left would otherwise be collected in whichever block runs
    when the counts trip it (seen: one 29 ms pause, always in the same variant)."""
    gc.collect()
    return time.process_time()


def _timed(out: List[float], count: int, run: Callable[[], Any]) -> None:
    start = _settled()
    run()
    out.append((time.process_time() - start) / count * 1e6)


def workload_sync(base: Optional[str], rounds: int, calls: int, streams: int) -> Figures:
    from meganova import MegaNova

    telemetry = Telemetry()
    options: Dict[str, Any] = (
        {"base_url": base, "transport": "urllib3"}
        if base
        else {"base_url": "http://127.0.0.1:9/v1", "transport": InstantTransport()}
    )
    clients = {v: make_client(MegaNova, v, telemetry, **options) for v in VARIANTS}
    figs = _empty()
    for variant, client in clients.items():  # warm: connections, first-call caches
        if client is not None:
            sync_calls(client, variant == "info", 20)
            sync_streams(client, variant == "info", 2)
    for round_ in range(rounds):
        for variant, client in rotated(clients, round_):
            if client is None:
                continue
            info = variant == "info"
            with capture(variant):
                _timed(figs["chat"][variant], calls, lambda: sync_calls(client, info, calls))
                _timed(
                    figs["stream"][variant], streams, lambda: sync_streams(client, info, streams)
                )
        telemetry.clear()
    for client in clients.values():
        if client is not None:
            client.close()
    return figs


def workload_async(base: Optional[str], rounds: int, calls: int, streams: int) -> Figures:
    from meganova import AsyncMegaNova

    telemetry = Telemetry()
    figs = _empty()

    async def go() -> None:
        options: Dict[str, Any] = (
            {"base_url": base, "transport": "aiohttp"}
            if base
            else {"base_url": "http://127.0.0.1:9/v1", "transport": AsyncInstantTransport()}
        )
        clients = {v: make_client(AsyncMegaNova, v, telemetry, **options) for v in VARIANTS}
        for variant, client in clients.items():
            if client is not None:
                await async_calls(client, variant == "info", 20)
                await async_streams(client, variant == "info", 2)
        for round_ in range(rounds):
            for variant, client in rotated(clients, round_):
                if client is None:
                    continue
                info = variant == "info"
                with capture(variant):
                    start = _settled()
                    await async_calls(client, info, calls)
                    figs["chat"][variant].append((time.process_time() - start) / calls * 1e6)
                    start = _settled()
                    await async_streams(client, info, streams)
                    figs["stream"][variant].append((time.process_time() - start) / streams * 1e6)
            telemetry.clear()
        for client in clients.values():
            if client is not None:
                await client.close()

    asyncio.run(go())
    return figs


def run_workload(flavour: str, base: str, quick: bool) -> Dict[str, Figures]:
    """Both views of one flavour, in this process: the wire, then in-process."""
    plan = QUICK if quick else FULL
    work = workload_sync if flavour == "sync" else workload_async
    return {
        "wire": work(base, plan["rounds"], *plan["wire"]),
        "inproc": work(None, plan["rounds"], *plan["inproc"]),
    }


# -- the harness -----------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[str], str]:
    return spawn_server(HERE / "server.py", "--chunks", str(STREAM_CHUNKS), "--models", "10")


def workload(
    flavour: str, base: str, quick: bool, env: Optional[Dict[str, str]]
) -> Dict[str, Figures]:
    """One flavour in a fresh process of this script."""
    if env is None:
        env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    env = {k: v for k, v in env.items() if not k.startswith("OTEL_")}  # the API stays no-op
    args = [PYTHON, str(Path(__file__).resolve()), "--workload", flavour, base]
    out = subprocess.run(
        [*args, *(["--quick"] if quick else [])], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"observe workload {flavour} failed:\n{out.stderr[-3000:]}")
    result: Dict[str, Figures] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(quick: bool, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    plan = QUICK if quick else FULL
    began = time.perf_counter()
    load = os.getloadavg()
    server, base = start_server()
    try:
        figs: Dict[str, Any] = {}
        for flavour in ("sync", "async"):
            print(f"observe: {flavour} client, wire then in-process ...", flush=True)
            for view, by_workload in workload(flavour, base, quick, env).items():
                for name, by_variant in by_workload.items():
                    figs.setdefault(view, {})[f"{flavour}_{name}"] = by_variant
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    return {
        "plan": plan,
        "figures": figs,
        "load": load,
        "seconds": time.perf_counter() - began,
    }


def _cell(values: List[float], base: List[float]) -> str:
    if not values:
        return "n/a | n/a"
    mine, floor = statistics.median(values), statistics.median(base)
    return f"{mine:,.1f} | {mine / floor:.2f}x"


def table(figs: Dict[str, Dict[str, List[float]]]) -> List[str]:
    head = " | ".join(f"{HEADINGS[w]} µs | ratio" for w in WORKLOADS)
    out = [f"| variant | {head} |", "|---" + "|---:|---:" * len(WORKLOADS) + "|"]
    for variant in VARIANTS:
        cells = " | ".join(_cell(figs[w][variant], figs[w]["baseline"]) for w in WORKLOADS)
        out.append(f"| {LABELS[variant]} | {cells} |")
    return out


def overheads(figs: Dict[str, Dict[str, List[float]]]) -> str:
    """Each variant's cost over the baseline, in µs per call (or stream)."""
    parts = []
    for variant in VARIANTS[1:]:
        deltas = []
        for w in WORKLOADS:
            mine = figs[w][variant]
            if mine:
                extra = statistics.median(mine) - statistics.median(figs[w]["baseline"])
                if variant == "no_capture":  # what the capture costs: the baseline's extra
                    extra = -extra
                deltas.append(f"{HEADINGS[w]} {extra:+.1f}")
        label = "metadata capture" if variant == "no_capture" else LABELS[variant]
        parts.append(f"{label}: " + (", ".join(deltas) if deltas else "n/a"))
    return "; ".join(parts) + " (µs per call or stream)."


def report(result: Dict[str, Any]) -> str:
    plan, figs, load = result["plan"], result["figures"], result["load"]
    calls, streams = plan["wire"]
    icalls, istreams = plan["inproc"]
    return "\n".join(
        [
            f"Client CPU µs per non-streamed call and per {STREAM_CHUNKS}-chunk stream, "
            f"median of {plan['rounds']} interleaved rounds; ratios to the baseline (no "
            "hooks) from the same rounds. `MegaNova` on urllib3, `AsyncMegaNova` on "
            f"aiohttp. Load average at the start: {load[0]:.2f} / {load[1]:.2f} / "
            f"{load[2]:.2f}; {result['seconds']:.0f} s.",
            "",
            f"Against `server.py` on 127.0.0.1 ({calls} calls and {streams} streams per "
            "variant and round):",
            "",
            *table(figs["wire"]),
            "",
            f"In-process (a transport answering at once from memory with the same bytes; "
            f"{icalls} calls and {istreams} streams per variant and round):",
            "",
            *table(figs["inproc"]),
            "",
            "Overhead over the baseline, in-process: " + overheads(figs["inproc"]),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        print(json.dumps(run_workload(args.workload, args.args[0], args.quick)))
        return
    print(f"{HEADING}\n\n{report(measure(args.quick))}")


if __name__ == "__main__":
    main()
