"""``meganova batch``: run a JSONL file of requests (the SDK's or the OpenAI Batch API's
line shape) with bounded concurrency, a rate budget and resume."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from typing import TYPE_CHECKING, TextIO

from .errors import UsageProblem

if TYPE_CHECKING:
    from ..client import MegaNova


def cmd_batch(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    from ..batch import run
    from ..core.batch.results import BatchResult, result_line

    if not os.path.isfile(args.input):
        raise UsageProblem(f"no such input file: {args.input}")
    if args.resume and not args.output:
        raise UsageProblem("--resume needs -o/--output: the results file to resume from")

    def to_stdout(result: BatchResult) -> None:
        out.write(result_line(result).decode())
        out.flush()

    summary = run(
        client,
        args.input,
        concurrency=args.concurrency,
        max_requests_per_minute=args.rpm,
        max_tokens_per_minute=args.tpm,
        output=args.output,
        resume=args.resume,
        progress=not args.no_progress,
        strict=args.strict,
        on_result=None if args.output else to_stdout,
    )
    # The results went to stdout when there is no output file: the summary then goes
    # to stderr, so a pipe gets JSONL only.
    where = out if args.output else err
    if args.json:
        data = dataclasses.asdict(summary)
        data.pop("results", None)
        where.write(json.dumps(data) + "\n")
    else:
        where.write(f"meganova batch: {summary}\n")
        for problem in summary.problems:
            where.write(f"  {problem}\n")
    return 1 if summary.failed else 0


def add_batch_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="a JSONL file of requests, one per line")
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="write results here (default: JSONL on stdout)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight at most (default 16)"
    )
    parser.add_argument("--rpm", type=float, help="requests per minute at most")
    parser.add_argument("--tpm", type=float, help="tokens per minute at most (estimated)")
    parser.add_argument(
        "--resume", action="store_true", help="skip requests already in --output and append"
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop at bad input (checked before sending)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
