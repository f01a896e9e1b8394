"""The ``meganova`` command: chat, models, balance and usage from a terminal.

Runs against the real API when ``MEGANOVA_API_KEY`` is set, otherwise (or with
``--offline``) against the in-process fake with the demo character Luna.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, TextIO

from ._version import __version__
from .core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    InvalidArgumentError,
    MeganovaError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from .core.terminal import printable

if TYPE_CHECKING:
    from .client import MegaNova

PROG = "meganova"
FALLBACK_MODEL = "meganova-ai/manta-flash-1.0"
DEMO_DELAY_ENV = "MEGANOVA_DEMO_DELAY"
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageProblem(Exception):
    """A command-line mistake found after parsing (exit 2)."""


# -- building the client ------------------------------------------------------------


def _demo_delay() -> float:
    raw = os.environ.get(DEMO_DELAY_ENV, "0.02")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return 0.02


def make_client(offline: bool, err: TextIO) -> MegaNova:
    """The real client, or the offline fake (with a notice when no key is configured)."""
    if not offline and not os.environ.get("MEGANOVA_API_KEY", "").strip():
        err.write(
            f"{PROG}: no API key configured (MEGANOVA_API_KEY), so running offline against "
            "the built-in demo (Luna of Neon Harbor). Set MEGANOVA_API_KEY to use the real API.\n"
        )
        offline = True
    if offline:
        from .core.engine import SystemClock
        from .testing import FakeMeganova

        return FakeMeganova(clock=SystemClock(), stream_gap=_demo_delay()).client()
    from .client import MegaNova

    return MegaNova()


# -- output ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def print_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths))
    out.write(line.rstrip() + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


def print_fields(pairs: Iterable[tuple[str, Any]], out: TextIO) -> None:
    shown = [(k, _cell(v)) for k, v in pairs if v is not None]
    width = max((len(k) for k, _ in shown), default=0)
    for key, value in shown:
        out.write(f"{key.ljust(width)}  {value}\n")


# -- commands ----------------------------------------------------------------------


def _prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    prompt: str | None = args.prompt
    if prompt is None or prompt == "-":
        if prompt is None and stdin.isatty():
            raise UsageProblem('give a prompt, e.g. meganova chat "Hi Luna", or pipe one on stdin')
        prompt = stdin.read()
    if not prompt.strip():
        raise UsageProblem("the prompt is empty")
    return prompt.strip()


def cmd_chat(client: MegaNova, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    messages = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": _prompt(args, stdin)})
    params: dict[str, Any] = {
        "messages": messages,
        "model": args.model or client.config.default_model or FALLBACK_MODEL,
    }
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.no_stream:
        response = client.chat.create(**params)
        if args.json:
            print_json(response, out)
        else:
            out.write(response.choices[0].message.content or "")
            out.write("\n")
        return 0
    stream = client.chat.stream(**params)
    wrote_text = False
    try:
        for chunk in stream:
            if args.json:
                out.write(json.dumps(_plain(chunk), ensure_ascii=False, default=str) + "\n")
            elif chunk.delta:
                out.write(chunk.delta)
                wrote_text = True
            out.flush()
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
        if wrote_text:
            out.write("\n")
            out.flush()
    return 0


def cmd_models(client: MegaNova, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    if args.action == "get":
        if not args.model_id:
            raise UsageProblem("models get needs a model id, e.g. meganova models get ID")
        model = client.models.get(args.model_id)
        if args.json:
            print_json(model, out)
        else:
            print_fields(_plain(model).items(), out)
        return 0
    if args.action not in (None, "list"):
        raise UsageProblem(f"unknown models action {args.action!r} (use: list, get ID)")
    models = client.models.list()
    if args.json:
        print_json(list(models), out)
    else:
        rows = [
            (m.get("id"), m.get("name"), m.get("context_length"), m.get("tags")) for m in models
        ]
        print_table(("id", "name", "context", "tags"), rows, out)
    return 0


def cmd_balance(client: MegaNova, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    balance = client.billing.get_balance()
    if args.json:
        print_json(balance, out)
    else:
        print_fields(
            [
                ("balance", balance.balance),
                ("currency", balance.currency),
                ("status", balance.status),
            ],
            out,
        )
    return 0


def cmd_usage(client: MegaNova, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
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
    out.write(f"\nTotal: {_cell(summary.total_tokens)} tokens, cost {_cell(summary.total_cost)}\n")
    return 0


Command = Callable[["MegaNova", argparse.Namespace, TextIO, TextIO], int]


# -- errors ------------------------------------------------------------------------


def _advice(error: MeganovaError) -> str:
    if isinstance(error, AuthenticationError):
        return "Check MEGANOVA_API_KEY, or try the demo with --offline."
    if isinstance(error, PermissionDeniedError):
        return "Your key or account tier does not allow this; check your Meganova account."
    if isinstance(error, NotFoundError):
        return "Check the id (meganova models lists the available models)."
    if isinstance(error, RateLimitError):
        if error.retry_after is not None:
            return f"Wait {error.retry_after:g}s and try again."
        return "Wait a moment and try again."
    if isinstance(error, (BadRequestError, UnprocessableEntityError)):
        return "Check the options you passed (meganova --help)."
    if isinstance(error, InternalServerError):
        return "The service had a problem; try again shortly."
    if isinstance(error, APITimeoutError):
        return "The server did not answer in time; try again later."
    if isinstance(error, APIConnectionError):
        return "Check your network connection and MEGANOVA_BASE_URL."
    if isinstance(error, ConfigurationError):
        return "Set MEGANOVA_API_KEY, or run with --offline."
    if isinstance(error, InvalidArgumentError):
        env_var = _ENV_OF.get(error.argument or "")
        if env_var and env_var in os.environ:
            return f"Check the {env_var} environment variable."
        flag = _FLAG_OF.get(error.argument or "")
        if flag:
            return f"Check {flag} (meganova --help)."
        return "Check the command's arguments (meganova --help)."
    return "Try again; if it keeps failing, report it with the request id."


# SDK argument -> what the user typed: the CLI option or the environment variable.
_FLAG_OF = {
    "from_": "--from",
    "to": "--to",
    "model": "--model",
    "model_id": "the model id",
    "temperature": "--temperature",
    "max_tokens": "--max-tokens",
    "messages": "the prompt",
}
_ENV_OF = {
    "base_url": "MEGANOVA_BASE_URL",
    "api_key": "MEGANOVA_API_KEY",
    "default_model": "MEGANOVA_MODEL",
    "region": "MEGANOVA_REGION",
}


def describe(error: MeganovaError) -> str:
    """One line: what happened, the request id, what to do."""
    what = error.message.strip().splitlines()[0] if error.message.strip() else type(error).__name__
    details = []
    if isinstance(error, APIError) and error.status is not None:
        details.append(f"HTTP {error.status}")
    if error.code and error.code not in ("connection_error", "timeout", "invalid_argument"):
        details.append(f"code {error.code}")
    if error.request_id:
        details.append(f"request id {error.request_id}")
    suffix = f" ({', '.join(details)})" if details else ""
    return f"{PROG}: error: {what}{suffix}. {_advice(error)}"


def error_line(error: MeganovaError, client: MegaNova | None) -> str:
    """``describe(error)`` as printed: the client's secrets scrubbed (whatever the
    server echoed), and no terminal control characters from the server's text."""
    line = describe(error)
    if client is not None:
        line = client.engine.redactor.text(line)
    return printable(line, newlines=False)


# -- the parser ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the built-in fake API and demo character (no key, no network)",
    )
    shared.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON instead of text (JSON lines for a streamed chat)",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Talk to the Meganova API from the terminal.",
        parents=[shared],
        epilog='Try: meganova chat --offline "Hi Luna, how are you?"',
    )
    parser.set_defaults(offline=False, json=False, handler=None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", parents=[shared], help="send a prompt and stream the answer")
    chat.add_argument("prompt", nargs="?", help="the message (read from stdin if omitted or -)")
    chat.add_argument("--model", help=f"model id (default: MEGANOVA_MODEL or {FALLBACK_MODEL})")
    chat.add_argument("--system", help="a system prompt")
    chat.add_argument("--temperature", type=float, help="sampling temperature, e.g. 0.7")
    chat.add_argument("--max-tokens", type=int, help="the most tokens to generate")
    chat.add_argument(
        "--no-stream", action="store_true", help="wait for the whole answer instead of streaming"
    )
    chat.set_defaults(handler=cmd_chat)

    models = commands.add_parser(
        "models", parents=[shared], help="list models, or show one: models get ID"
    )
    models.add_argument("action", nargs="?", choices=("list", "get"), help="list (default) or get")
    models.add_argument("model_id", nargs="?", help="the model id for get")
    models.set_defaults(handler=cmd_models)

    balance = commands.add_parser("balance", parents=[shared], help="show the account balance")
    balance.set_defaults(handler=cmd_balance)

    usage = commands.add_parser("usage", parents=[shared], help="show usage over a date range")
    usage.add_argument("--from", dest="from_", help="first day, YYYY-MM-DD (default: 6 days ago)")
    usage.add_argument("--to", help="last day, YYYY-MM-DD (default: today)")
    usage.set_defaults(handler=cmd_usage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meganova`` console script; returns the exit status."""
    out, err = sys.stdout, sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = args.handler
    if handler is None:
        parser.print_help(err)
        return EXIT_USAGE
    client = None
    try:
        client = make_client(args.offline, err)
        return handler(client, args, out, sys.stdin)
    except UsageProblem as problem:
        err.write(f"{PROG}: error: {problem}\n")
        return EXIT_USAGE
    except MeganovaError as error:
        out.flush()
        err.write(error_line(error, client) + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``meganova models | head``): leave quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    finally:
        if client is not None:
            client.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
