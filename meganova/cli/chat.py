"""``meganova chat``: one prompt (an argument or piped stdin), or an interactive
session on a terminal, either of them continuing the last conversation with
``--continue``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, TextIO

from ..core.errors import MeganovaError
from . import state
from .errors import UsageProblem
from .output import StreamText, plain, print_json, text

if TYPE_CHECKING:
    from ..client import MegaNova

FALLBACK_MODEL = "meganova-ai/manta-flash-1.0"
HISTORY_LENGTH = 1000
HELP = "Commands: /reset forgets the chat, /model [ID] shows or switches the model, /exit quits."


def _system_prompt(args: argparse.Namespace) -> str | None:
    if args.system is not None and args.system_file is not None:
        raise UsageProblem("give --system or --system-file, not both")
    if args.system_file is None:
        return str(args.system) if args.system is not None else None
    try:
        with open(args.system_file, encoding="utf-8") as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read --system-file {args.system_file}: {exc}") from None


def _start(client: MegaNova, args: argparse.Namespace) -> state.Session:
    """The session to talk in: the last one (``--continue``) or a new one; the options
    given now win over what was saved."""
    if args.continue_:
        try:
            session = state.load()
        except state.SessionError as exc:
            raise UsageProblem(str(exc)) from None
    else:
        session = state.Session()
    system = _system_prompt(args)
    if system is not None:
        session.set_system(system)
    session.model = args.model or session.model or client.config.default_model or FALLBACK_MODEL
    return session


def _params(session: state.Session, args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {"messages": list(session.messages), "model": session.model}
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    return params


def turn(client: MegaNova, session: state.Session, args: argparse.Namespace, out: TextIO) -> str:
    """Send the session, print the answer as it arrives; returns the answer's text."""
    params = _params(session, args)
    if args.no_stream:
        response = client.chat.create(**params)
        choices = response.choices
        answer = (choices[0].message.content if choices else None) or ""
        if args.json:
            print_json(response, out)
        else:
            out.write(text(answer) + "\n")
        return str(answer)
    pieces: list[str] = []
    shown = StreamText()
    stream = client.chat.stream(**params)
    try:
        for chunk in stream:
            if chunk.delta:
                pieces.append(chunk.delta)
            if args.json:
                out.write(json.dumps(plain(chunk), ensure_ascii=True, default=str) + "\n")
            elif chunk.delta:
                out.write(shown.feed(chunk.delta))
            out.flush()
    finally:
        stream.close()
        if pieces and not args.json:
            out.write(shown.finish() + "\n")
            out.flush()
    return "".join(pieces)


def _remember(session: state.Session, err: TextIO) -> None:
    try:
        state.save(session)
    except OSError as exc:
        err.write(f"meganova: note: the chat was not saved for --continue ({exc})\n")


def _prompt_from(args: argparse.Namespace, stdin: TextIO) -> str:
    prompt: str = args.prompt if args.prompt not in (None, "-") else stdin.read()
    if not prompt.strip():
        raise UsageProblem("the prompt is empty")
    return prompt.strip()


def cmd_chat(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    session = _start(client, args)
    if args.prompt is None and stdin.isatty():
        return Interactive(client, session, args, out, err, getattr(args, "report", None)).run()
    session.messages.append({"role": "user", "content": _prompt_from(args, stdin)})
    answer = turn(client, session, args, out)
    session.messages.append({"role": "assistant", "content": answer})
    _remember(session, err)
    return 0


class Interactive:
    """The prompt loop: each line is a turn, or a /command. A failed or interrupted
    turn is reported and forgotten; the session goes on."""

    def __init__(
        self,
        client: MegaNova,
        session: state.Session,
        args: argparse.Namespace,
        out: TextIO,
        err: TextIO,
        report: Callable[[MeganovaError], str] | None = None,
    ) -> None:
        self.client = client
        self.session = session
        self.args = args
        self.out = out
        self.err = err
        self.report = report or (lambda error: f"meganova: error: {error.message}")

    def run(self) -> int:
        history = _History()
        turns = sum(m.get("role") == "user" for m in self.session.messages)
        resumed = f", {turns} earlier turn(s) resumed" if turns else ""
        self.err.write(f"Chatting with {text(str(self.session.model))}{resumed}. {HELP}\n")
        try:
            while True:
                try:
                    line = input("> ")
                except EOFError:
                    self.out.write("\n")
                    return 0
                except KeyboardInterrupt:
                    self.out.write("\n")  # a fresh prompt, as shells do
                    continue
                line = line.strip()
                if not line:
                    continue
                if line.startswith("/"):
                    if not self.command(line):
                        return 0
                    continue
                self.ask(line)
        finally:
            history.save()

    def command(self, line: str) -> bool:
        """Run a /command; ``False`` ends the session."""
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name in ("/exit", "/quit"):
            return False
        if name == "/reset":
            self.session.reset()
            _remember(self.session, self.err)
            self.err.write("(chat forgotten)\n")
        elif name == "/model":
            if rest:
                self.session.model = rest
                _remember(self.session, self.err)
            self.err.write(f"(model: {text(str(self.session.model))})\n")
        elif name == "/help":
            self.err.write(HELP + "\n")
        else:
            self.err.write(f"unknown command {text(name)}. {HELP}\n")
        return True

    def ask(self, line: str) -> None:
        self.session.messages.append({"role": "user", "content": line})
        try:
            answer = turn(self.client, self.session, self.args, self.out)
        except KeyboardInterrupt:
            self.session.messages.pop()
            self.out.write("\n")
            self.err.write("(interrupted)\n")
            return
        except MeganovaError as error:
            self.session.messages.pop()
            self.out.flush()
            self.err.write(self.report(error) + "\n")
            return
        self.session.messages.append({"role": "assistant", "content": answer})
        _remember(self.session, self.err)


class _History:
    """The prompt's line editing and history, through readline when Python has it."""

    def __init__(self) -> None:
        self.path = state.state_dir() / state.HISTORY_FILE
        try:
            import readline
        except ImportError:  # Windows without pyreadline: plain input()
            self.readline: Any = None
            return
        self.readline = readline
        readline.set_history_length(HISTORY_LENGTH)
        with contextlib.suppress(OSError, ValueError):  # none yet, or unreadable: start empty
            readline.read_history_file(str(self.path))

    def save(self) -> None:
        if self.readline is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.readline.write_history_file(str(self.path))
            os.chmod(self.path, 0o600)  # what the user typed is theirs alone
        except OSError as exc:
            sys.stderr.write(f"meganova: note: the prompt history was not saved ({exc})\n")
