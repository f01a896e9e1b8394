"""An agent's memory: the conversation kept across ``run`` calls, trimmed to a budget.

Messages are kept in groups that are dropped whole: a user message; an assistant
message with all the tool results that answer its calls. So a tool call is never
separated from its result, and the system prompt (sent by the agent, not stored) always
stays. Token counts come from the API's ``usage`` where it tells them and are estimated
(about four characters a token) for messages not yet sent.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ..core.errors import InvalidArgumentError

__all__ = ["Memory", "estimate_tokens"]

Message = Dict[str, Any]


def estimate_tokens(message: Message) -> int:
    """A rough token count for a message not yet sent (4 characters a token, plus a
    few for the message's framing)."""
    text = message.get("content")
    size = len(text) if isinstance(text, str) else len(json.dumps(text or ""))
    calls = message.get("tool_calls")
    if calls:
        size += len(json.dumps(calls))
    return size // 4 + 4


class _Entry:
    __slots__ = ("message", "run", "tokens")

    def __init__(self, message: Message, run: int) -> None:
        self.message = message
        self.run = run
        self.tokens: Optional[int] = None  # known from usage, else estimated on demand

    def cost(self) -> int:
        return self.tokens if self.tokens is not None else estimate_tokens(self.message)


class Memory:
    """The conversation an ``Agent`` keeps between ``run`` calls.

    Args:
        max_turns: Keep at most this many runs (a prompt and everything that answered
            it); older ones are dropped whole. ``None``: no limit.
        max_tokens: Keep what is sent (system prompt included) within about this many
            tokens, dropping the oldest groups first. The current prompt and the latest
            group always stay. ``None``: no limit.
    """

    def __init__(self, *, max_turns: Optional[int] = None, max_tokens: Optional[int] = None):
        for name, value in (("max_turns", max_turns), ("max_tokens", max_tokens)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise InvalidArgumentError(f"{name} must be a positive int or None", argument=name)
        self.max_turns = max_turns
        self.max_tokens = max_tokens
        self._entries: List[_Entry] = []
        self._runs = 0
        self._system_tokens: Optional[int] = None
        self._busy = False  # a run is using it (runs of one conversation cannot interleave)

    @property
    def messages(self) -> List[Message]:
        """A copy of the kept conversation (without the system prompt)."""
        return [dict(e.message) for e in self._entries]

    def clear(self) -> None:
        """Forget the conversation."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return (
            f"Memory(max_turns={self.max_turns}, max_tokens={self.max_tokens}, "
            f"messages={len(self._entries)})"
        )

    # -- used by the agent's loop ------------------------------------------------------

    def _mark(self) -> tuple[int, int]:
        """Where the conversation stands (for ``rollback``)."""
        return len(self._entries), self._runs

    def _rollback(self, mark: tuple[int, int]) -> None:
        del self._entries[mark[0] :]
        self._runs = mark[1]

    def _begin(self, prompt: Message) -> None:
        """Start a run with the user's ``prompt``."""
        self._runs += 1
        self._add(prompt)

    def _add(self, message: Message) -> None:
        self._entries.append(_Entry(message, self._runs))

    def _window(self, system: Optional[Message]) -> List[Message]:
        """Trim to the budget, then the messages to send (``system`` first)."""
        self._trim(system)
        head = [system] if system is not None else []
        return head + [e.message for e in self._entries]

    def _record_usage(
        self, sent: int, system: Optional[Message], prompt_tokens: int, completion_tokens: int
    ) -> None:
        """A reply to ``system`` and the first ``sent`` entries came back with this usage;
        the entry after them is the reply. What was only estimated shares what the known
        counts leave of ``prompt_tokens``, so the totals match the API's."""
        sent_entries = self._entries[:sent]
        known = sum(e.tokens for e in sent_entries if e.tokens is not None)
        guessed = [e for e in sent_entries if e.tokens is None]
        weights = [estimate_tokens(e.message) for e in guessed]
        if system is not None:
            if self._system_tokens is None:
                weights.append(estimate_tokens(system))
            else:
                known += self._system_tokens
        left = max(prompt_tokens - known, 0)
        total = sum(weights) or 1
        shares = [left * w // total for w in weights]
        for entry, share in zip(guessed, shares):
            entry.tokens = share
        if system is not None and self._system_tokens is None:
            self._system_tokens = shares[-1]
        if sent < len(self._entries):
            self._entries[sent].tokens = completion_tokens

    def _groups(self) -> List[List[_Entry]]:
        groups: List[List[_Entry]] = []
        for entry in self._entries:
            if entry.message.get("role") == "tool" and groups:
                groups[-1].append(entry)
            else:
                groups.append([entry])
        return groups

    def _trim(self, system: Optional[Message]) -> None:
        if self.max_turns is None and self.max_tokens is None:
            return
        groups = self._groups()
        current = self._runs
        if self.max_turns is not None:
            oldest = current - self.max_turns + 1
            groups = [g for g in groups if g[0].run >= oldest]
        if self.max_tokens is not None:
            fixed = self._system_cost(system)
            total = fixed + sum(e.cost() for g in groups for e in g)
            index = 0
            while total > self.max_tokens and index < len(groups) - 1:
                group = groups[index]
                if group[0].run == current and group[0].message.get("role") == "user":
                    index += 1  # the current prompt stays
                    continue
                total -= sum(e.cost() for e in group)
                del groups[index]
        self._entries = [e for g in groups for e in g]

    def _system_cost(self, system: Optional[Message]) -> int:
        if system is None:
            return 0
        if self._system_tokens is not None:
            return self._system_tokens
        return estimate_tokens(system)
