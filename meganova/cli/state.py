"""The chat's memory between runs, in the user's state directory
(``$XDG_STATE_HOME/meganova``, else ``~/.local/state/meganova``): the last
conversation, for ``--continue``, and the interactive prompt's history."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

SESSION_FILE = "last-session.json"
HISTORY_FILE = "history"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "meganova"


@dataclass
class Session:
    """One conversation: the model and the messages so far (system prompt first)."""

    model: Optional[str] = None
    messages: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def system(self) -> Optional[str]:
        if self.messages and self.messages[0].get("role") == "system":
            return str(self.messages[0].get("content") or "")
        return None

    def set_system(self, prompt: Optional[str]) -> None:
        if self.system is not None:
            del self.messages[0]
        if prompt:
            self.messages.insert(0, {"role": "system", "content": prompt})

    def reset(self) -> None:
        """Forget the turns, keep the system prompt."""
        system = self.system
        self.messages = []
        self.set_system(system)


class SessionError(Exception):
    """The saved session cannot be read (missing, unreadable or not ours)."""


def load() -> Session:
    path = state_dir() / SESSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionError("no previous chat to continue") from None
    except (OSError, ValueError) as exc:
        raise SessionError(f"cannot read the last chat from {path}: {exc}") from None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages
    ):
        raise SessionError(f"the last chat in {path} is not a conversation")
    model = data.get("model")
    return Session(model=model if isinstance(model, str) else None, messages=messages)


def save(session: Session) -> None:
    """Write atomically and privately (a conversation is the user's business)."""
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps({"model": session.model, "messages": session.messages}, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(prefix=".session-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, directory / SESSION_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
