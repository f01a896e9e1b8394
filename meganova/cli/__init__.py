# PYTHON_ARGCOMPLETE_OK
"""The ``meganova`` command: chat (one prompt or interactive), models, the serverless
catalogue, balance, usage and Cloud agents from a terminal.

Runs against the real API with a key (``MEGANOVA_API_KEY`` or ``--api-key``), and
against the in-process fake with the demo character Luna only when asked (``--offline``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, Sequence

from ..core.errors import MeganovaError
from .agent import NoAgentKey, agent_key
from .errors import NoKey, UsageProblem, report, usage_line
from .parser import build_parser, given_arguments, parse

if TYPE_CHECKING:
    from ..client import MegaNova

__all__ = ["build_parser", "main", "make_client"]

DEMO_DELAY_ENV = "MEGANOVA_DEMO_DELAY"
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _demo_delay() -> float:
    raw = os.environ.get(DEMO_DELAY_ENV, "0.02")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return 0.02


def make_client(args: argparse.Namespace) -> MegaNova:
    """The offline fake when asked for; otherwise the real client, which needs a key:
    without one nothing is sent and nothing is made up."""
    if args.offline:
        from ..adapters.clock import SystemClock
        from ..testing import FakeMeganova

        return FakeMeganova(clock=SystemClock(), stream_gap=_demo_delay()).client()
    key = args.api_key if args.api_key is not None else os.environ.get("MEGANOVA_API_KEY", "")
    if not key.strip():
        raise NoKey()
    from ..client import MegaNova

    options: dict[str, Any] = {"api_key": key}
    if args.base_url is not None:
        options["base_url"] = args.base_url
    if args.proxy is not None:
        options["proxy"] = args.proxy
    return MegaNova(**options)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meganova`` console script; returns the exit status."""
    out, err, stdin = sys.stdout, sys.stderr, sys.stdin
    args = parse(argv)
    given = given_arguments(args)
    client: Any = None

    def say(error: MeganovaError) -> str:
        key = args.api_key or os.environ.get("MEGANOVA_API_KEY")
        if args.command == "agent":
            key = agent_key(args)
        return report(error, client, as_json=args.json, given=given, key=key)

    try:
        client = getattr(args, "make", make_client)(args)
        args.report = say  # an interactive chat reports a failed turn and goes on
        code: int = args.handler(client, args, out, err, stdin)
        return code
    except (NoKey, NoAgentKey) as problem:
        err.write(usage_line(str(problem), as_json=args.json, kind="ConfigurationError") + "\n")
        return EXIT_ERROR
    except UsageProblem as problem:
        err.write(usage_line(str(problem), as_json=args.json) + "\n")
        return EXIT_USAGE
    except MeganovaError as error:
        out.flush()
        err.write(say(error) + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("\nmeganova: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``meganova models | head``): leave quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    finally:
        if client is not None:
            client.close()
