"""``meganova agent info|chat``: a Cloud agent from the terminal. ``chat`` sends one
message (an argument or piped stdin), or on a terminal runs a session that keeps one
conversation across lines and asks before the agent runs a tool. The key
(``MEGANOVA_AGENT_KEY`` or ``--agent-key``) is never printed."""

from __future__ import annotations

import argparse
import functools
import os
from typing import TYPE_CHECKING, Any, Callable, TextIO

from ..core.errors import InvalidArgumentError, MeganovaError
from .errors import UsageProblem
from .output import plain, print_fields, print_json, text

if TYPE_CHECKING:
    from ..cloud import CloudAgent, Conversation
    from ..core.models.agents import AgentChatResponse

AGENT_KEY_ENV = "MEGANOVA_AGENT_KEY"
HELP = "Commands: /new starts a new conversation, /exit quits."


class NoAgentKey(Exception):
    """Neither an agent key nor ``--offline``: nothing may be sent (exit 1)."""

    MESSAGE = (
        "no agent key: set MEGANOVA_AGENT_KEY (or pass --agent-key), "
        "or run with --offline to try the built-in demo agent"
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def agent_key(args: argparse.Namespace) -> str | None:
    key = getattr(args, "agent_key", None)
    return key if key is not None else os.environ.get(AGENT_KEY_ENV)


def make_agent(args: argparse.Namespace) -> CloudAgent:
    """The offline fake's agent when asked for; otherwise the real one, which needs a
    key: without one nothing is sent."""
    if args.offline:
        from ..adapters.clock import SystemClock
        from ..testing import FakeMeganova

        return FakeMeganova(clock=SystemClock()).agent()
    key = agent_key(args)
    if key is None or not key.strip():
        raise NoAgentKey()
    from ..cloud import CloudAgent

    options: dict[str, Any] = {"api_key": key}
    if args.base_url is not None:
        options["base_url"] = args.base_url
    if args.proxy is not None:
        options["proxy"] = args.proxy
    try:
        return CloudAgent(**options)
    except InvalidArgumentError as exc:
        if exc.argument == "api_key":
            exc.argument = "agent_key"  # what the user typed it as
        raise


def cmd_agent(
    agent: CloudAgent, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    if args.action == "info":
        info = agent.info()
        if args.json:
            print_json(info, out)
        else:
            print_fields(plain(info).items(), out)
        return 0
    conversation = agent.conversation(args.conversation)
    if args.message is None and stdin.isatty():
        report = getattr(args, "report", None)
        return AgentSession(conversation, args, out, err, report).run()
    message = args.message if args.message not in (None, "-") else stdin.read()
    if not message.strip():
        raise UsageProblem("the message is empty")
    reply = conversation.chat(message.strip(), user_identifier=args.user)
    show(reply, args, out)
    pending = reply.pending_tool_call
    if pending is not None and not args.json:
        err.write(
            f"(the agent asks to run {text(pending.tool_name)}: {text(pending.description)}; "
            "answer it in an interactive session: meganova agent chat "
            f"--conversation {text(str(conversation.conversation_id))})\n"
        )
    if conversation.conversation_id and not args.json:
        err.write(f"(conversation {text(conversation.conversation_id)})\n")
    return 0


def show(reply: AgentChatResponse, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        print_json(reply, out, indent=None)
    else:
        out.write(text(reply.response) + "\n")
    out.flush()


class AgentSession:
    """The prompt loop: each line goes to the same conversation; a tool the agent wants
    to run is approved or refused by the person first. A failed turn is reported and
    the session goes on."""

    def __init__(
        self,
        conversation: Conversation,
        args: argparse.Namespace,
        out: TextIO,
        err: TextIO,
        report: Callable[[MeganovaError], str] | None = None,
    ) -> None:
        self.conversation = conversation
        self.args = args
        self.out = out
        self.err = err
        self.report = report or (lambda error: f"meganova: error: {error.message}")
        self.shown_id = conversation.conversation_id

    def run(self) -> int:
        self.err.write(f"Chatting with a Cloud agent. {HELP}\n")
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                self.out.write("\n")
                return 0
            except KeyboardInterrupt:
                self.out.write("\n")
                continue
            if not line:
                continue
            if line in ("/exit", "/quit"):
                return 0
            if line == "/new":
                self.conversation = self.conversation._agent.conversation()
                self.err.write("(new conversation)\n")
                continue
            if line.startswith("/"):
                self.err.write(f"unknown command {text(line.split()[0])}. {HELP}\n")
                continue
            chat = self.conversation.chat
            self.turn(functools.partial(chat, line, user_identifier=self.args.user))

    def turn(self, call: Callable[[], AgentChatResponse]) -> None:
        try:
            reply = call()
        except KeyboardInterrupt:
            self.err.write("\n(interrupted)\n")
            return
        except MeganovaError as error:
            self.out.flush()
            self.err.write(self.report(error) + "\n")
            return
        show(reply, self.args, self.out)
        if reply.conversation_id and reply.conversation_id != self.shown_id:
            self.shown_id = reply.conversation_id
            self.err.write(f"(conversation {text(reply.conversation_id)})\n")
        pending = reply.pending_tool_call
        if pending is None:
            return
        self.err.write(
            f"The agent asks to run {text(pending.tool_name)}: {text(pending.description)}\n"
            f"  with {text(str(pending.tool_arguments))}\n"
        )
        try:
            answer = input("Allow it? [y/N] ").strip().lower()
        except (EOFError, KeyboardInterrupt):
            answer = ""
        approve = answer in ("y", "yes")
        self.turn(self.conversation.confirm if approve else self.conversation.reject)
