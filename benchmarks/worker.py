"""Runs one client's workloads in this process and prints one JSON object on stdout.

python worker.py CLIENT cold  BASE            import + construct + first call
python worker.py CLIENT rss   BASE            one call of each kind, then peak RSS
python worker.py CLIENT bench BASE SPEC       SPEC like seq=5x1000,stream=3,models=5x10,threads=3x250
python worker.py CLIENT profile BASE WORKLOAD cProfile of one workload, top entries by own time
"""

import time

T0 = time.perf_counter()  # before anything else is imported: cold start begins here

import sys  # noqa: E402


def cold(cls, base):
    client = cls(base)
    constructed = time.perf_counter()
    answer = client.chat()
    done = time.perf_counter()
    assert answer.startswith("Code flows"), answer
    return {"cold_ms": (done - T0) * 1e3, "construct_ms": (constructed - T0) * 1e3}


def rss(cls, base):
    import resource

    client = cls(base)
    client.chat()
    chunks = client.stream()
    models = client.models()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_rss_mb": peak_kb / 1024, "chunks": chunks, "models": models}


def seq(client, reps, calls):
    for _ in range(min(50, calls)):
        client.chat()
    out = []
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        for _ in range(calls):
            client.chat()
        w, c = time.perf_counter() - w, time.process_time() - c
        out.append({"calls_per_s": calls / w, "cpu_us_per_call": c / calls * 1e6})
    return out


def stream(client, reps, per_rep=1):
    expected = client.stream()  # warm-up, and the chunk count every rep must reach
    out = []
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        n = 0
        for _ in range(per_rep):
            got = client.stream()
            if got != expected:
                raise RuntimeError(f"stream gave {got} chunks, expected {expected}")
            n += got
        w, c = time.perf_counter() - w, time.process_time() - c
        out.append({"chunks_per_s": n / w, "cpu_us_per_chunk": c / n * 1e6, "chunks": expected})
    return out


def models(client, reps, calls):
    client.models()
    out = []
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        for _ in range(calls):
            count = client.models()
        w, c = time.perf_counter() - w, time.process_time() - c
        out.append(
            {"ms_per_list": w / calls * 1e3, "cpu_ms_per_list": c / calls * 1e3, "models": count}
        )
    return out


def threads(client, reps, calls, n_threads=8):
    import threading

    out = []
    for _ in range(reps):
        errors = []
        ok = [0] * n_threads
        start = threading.Barrier(n_threads + 1)

        def run(i):
            start.wait()
            for _ in range(calls):
                try:
                    client.chat()
                    ok[i] += 1
                except Exception as exc:  # counted, not raised: errors are a figure
                    errors.append(repr(exc)[:200])

        pool = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
        for t in pool:
            t.start()
        start.wait()
        w = time.perf_counter()
        for t in pool:
            t.join()
        w = time.perf_counter() - w
        out.append({"calls_per_s": sum(ok) / w, "errors": len(errors), "first_error": errors[:1]})
    return out


def parse_spec(spec):
    plan = {}
    for part in spec.split(","):
        name, _, sizes = part.partition("=")
        plan[name] = [int(x) for x in sizes.split("x")] if sizes else []
    return plan


RUNNERS = {"seq": seq, "stream": stream, "models": models, "threads": threads}


def main():
    name, mode, base = sys.argv[1:4]
    from clients import CLIENTS

    cls = CLIENTS[name]
    if mode == "cold":
        result = cold(cls, base)
    elif mode == "rss":
        result = rss(cls, base)
    elif mode == "bench":
        client = cls(base)
        result = {w: RUNNERS[w](client, *sizes) for w, sizes in parse_spec(sys.argv[4]).items()}
        client.close()
    elif mode == "profile":
        import cProfile
        import io
        import pstats

        client = cls(base)
        workload, sizes = next(iter(parse_spec(sys.argv[4]).items()))
        RUNNERS[workload](client, *sizes)  # warm
        prof = cProfile.Profile()
        prof.enable()
        RUNNERS[workload](client, *sizes)
        prof.disable()
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("tottime").print_stats(25)
        # where our own code spends it, cumulative
        stats.sort_stats("cumulative").print_stats("meganova|tenacity|clients", 30)
        result = {"profile": text.getvalue()}
    else:
        raise SystemExit(f"unknown mode {mode}")
    mod = sys.modules.get("meganova")
    result["meganova_file"] = getattr(mod, "__file__", None)
    import json

    print(json.dumps(result))


if __name__ == "__main__":
    main()
