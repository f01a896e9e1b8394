"""``meganova balance`` and ``meganova usage``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, TextIO

from .output import cell, print_fields, print_json, print_table

if TYPE_CHECKING:
    from ..client import MegaNova


def cmd_balance(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    balance = client.billing.get_balance()
    if args.json:
        print_json(balance, out)
        return 0
    fields = [
        ("balance", balance.balance),
        ("currency", balance.currency),
        ("status", balance.status),
    ]
    print_fields(fields, out)
    return 0


def cmd_usage(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    today = dt.datetime.now(dt.timezone.utc).date()
    start = args.from_ or (today - dt.timedelta(days=6)).isoformat()
    end = args.to or today.isoformat()
    summary = client.usage.summary(from_=start, to=end)
    if args.json:
        print_json(summary, out)
        return 0
    rows = [
        (
            r.date,
            r.model,
            r.requests,
            r.total_tokens if r.total_tokens is not None else r.tokens,
            r.cost,
        )
        for r in summary.rows
    ]
    if not rows:
        out.write(f"No usage between {start} and {end}.\n")
        return 0
    print_table(("date", "model", "requests", "tokens", "cost"), rows, out)
    out.write(f"\nTotal: {cell(summary.total_tokens)} tokens, cost {cell(summary.total_cost)}\n")
    return 0
