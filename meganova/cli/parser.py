"""The command line: global options that work before or after the command, and one
subparser per command."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Dict, NoReturn, Sequence

from .._version import __version__
from .account import cmd_balance, cmd_usage
from .agent import cmd_agent, make_agent
from .batch import add_batch_command, cmd_batch
from .catalog import cmd_models, cmd_serverless
from .chat import FALLBACK_MODEL, cmd_chat
from .errors import usage_line

PROG = "meganova"

# what a global option is when given at neither level
GLOBAL_DEFAULTS: Dict[str, Any] = {
    "offline": False,
    "json": False,
    "api_key": None,
    "base_url": None,
    "proxy": None,
}


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors are a JSON object when ``--json`` was asked for."""

    json_errors = False  # set by ``parse`` from the raw arguments

    def error(self, message: str) -> NoReturn:
        if Parser.json_errors:
            self.exit(2, usage_line(message, as_json=True) + "\n")
        super().error(message)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Added to the top parser and to every command, each time as new actions: argparse
    shares an action between parsers built from ``parents``, and a default set on one
    (``set_defaults``) then overwrites, in the command's namespace, what the user gave
    before the command. SUPPRESS: an option not given leaves no trace, at either level."""
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the built-in fake API and demo character Luna (no key, no network)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON (JSON lines for a streamed chat); errors as a JSON object on stderr",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=argparse.SUPPRESS,
        help="API key (default: MEGANOVA_API_KEY; prefer it, a command line is visible to others)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="API root (default: MEGANOVA_BASE_URL or https://api.meganova.ai/v1)",
    )
    group.add_argument(
        "--proxy",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="HTTP(S) proxy, e.g. http://user:pass@host:3128 (default: HTTPS_PROXY and friends)",
    )


def _command(
    commands: Any, name: str, handler: Callable[..., int], help: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
    add_global_options(parser)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Talk to the Meganova API from the terminal.",
        epilog='Try: meganova chat --offline "Hi Luna, how are you?"',
    )
    add_global_options(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = _command(
        commands,
        "chat",
        cmd_chat,
        "send a prompt and stream the answer; without one on a terminal, chat interactively",
    )
    chat.add_argument(
        "prompt", nargs="?", help="the message (read from stdin when piped, or given as -)"
    )
    chat.add_argument(
        "-m", "--model", help=f"model id (default: MEGANOVA_MODEL or {FALLBACK_MODEL})"
    )
    chat.add_argument("-s", "--system", help="a system prompt")
    chat.add_argument("--system-file", metavar="PATH", help="read the system prompt from a file")
    chat.add_argument("--temperature", type=float, help="sampling temperature, e.g. 0.7")
    chat.add_argument("--max-tokens", type=int, help="the most tokens to generate")
    chat.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        action="store_true",
        help="continue the last chat (kept in $XDG_STATE_HOME/meganova)",
    )
    chat.add_argument(
        "--no-stream", action="store_true", help="wait for the whole answer instead of streaming"
    )

    models = _command(commands, "models", cmd_models, "list models (filtered), or show one")
    models.add_argument("action", nargs="?", choices=("list", "get"), help="list (default) or get")
    models.add_argument("model_id", nargs="?", help="the model id for get")
    models.add_argument("--capability", help="only models with this capability, e.g. vision")
    models.add_argument("--tag", help="only models with this tag, e.g. chat")
    models.add_argument("--search", metavar="TEXT", help="only models whose id or name has TEXT")

    serverless = _command(
        commands, "serverless", cmd_serverless, "browse the serverless model catalogue"
    )
    serverless.add_argument(
        "--modality", help="e.g. text_generation, text_to_image, embeddings (comma-separated)"
    )
    serverless.add_argument("--search", metavar="TEXT", help="free-text search")
    serverless.add_argument("--use-case", help="a use case tag (comma-separated)")

    _command(commands, "balance", cmd_balance, "show the account balance")

    agent = commands.add_parser(
        "agent",
        help="a Cloud agent: its info, or chat (one message, or a session on a terminal)",
        description="Talk to an agent deployed on Meganova Cloud (key: MEGANOVA_AGENT_KEY "
        "or --agent-key; --base-url is the Studio root, default MEGANOVA_AGENT_BASE_URL or "
        "https://studio-api.meganova.ai).",
    )
    add_global_options(agent)
    actions = agent.add_subparsers(dest="action", metavar="ACTION")
    agent_info = _command(actions, "info", cmd_agent, "show the agent's name and welcome")
    agent_chat = _command(
        actions,
        "chat",
        cmd_agent,
        "send a message; without one on a terminal, chat in one conversation",
    )
    agent_chat.add_argument(
        "message", nargs="?", help="the message (read from stdin when piped, or given as -)"
    )
    agent_chat.add_argument("--conversation", metavar="ID", help="continue this conversation")
    agent_chat.add_argument("--user", metavar="ID", help="who is talking (the agent's memory)")
    for sub in (agent, agent_info, agent_chat):
        sub.set_defaults(make=make_agent)
        sub.add_argument(
            "--agent-key",
            metavar="KEY",
            default=argparse.SUPPRESS,
            help="the agent key (default: MEGANOVA_AGENT_KEY; prefer it, a command line is "
            "visible to others)",
        )

    usage = _command(commands, "usage", cmd_usage, "show usage over a date range")
    usage.add_argument("--from", dest="from_", help="first day, YYYY-MM-DD (default: 6 days ago)")
    usage.add_argument("--to", help="last day, YYYY-MM-DD (default: today)")

    batch = _command(
        commands,
        "batch",
        cmd_batch,
        "run a JSONL file of requests: bounded concurrency, a rate budget, resume "
        "(exit 1 when any request failed)",
    )
    add_batch_command(batch)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    raw = list(sys.argv[1:] if argv is None else argv)
    Parser.json_errors = "--json" in raw
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions: only then import
        try:
            import argcomplete
        except ImportError:
            pass
        else:
            argcomplete.autocomplete(parser)
    args = parser.parse_args(raw)
    for dest, default in GLOBAL_DEFAULTS.items():
        if not hasattr(args, dest):
            setattr(args, dest, default)
    if args.command == "agent" and getattr(args, "action", None) is None:
        parser.error("agent needs an action: info or chat")
    if getattr(args, "handler", None) is None:
        if Parser.json_errors:
            parser.error(
                "a command is required: chat, models, serverless, balance, usage, batch or agent"
            )
        parser.print_help(sys.stderr)
        parser.exit(2)
    return args


def given_arguments(args: argparse.Namespace) -> set[str]:
    """The SDK arguments the user set on the command line (to name the right source)."""
    names = ("api_key", "base_url", "proxy", "agent_key")
    return {name for name in names if getattr(args, name, None) is not None}
