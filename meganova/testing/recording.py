"""What the fake saw: every request, without credentials, with its JSON body decoded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from ..core.http import SENSITIVE_HEADERS, Request
from ..core.redact import mask_agent_keys


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it.

    ``path`` is relative to the API root (``/chat/completions``, also for
    ``/api/v1/...`` routes; ``/agent/...`` for a Cloud agent's, whose key is left out
    of ``path`` and masked in ``url``); ``headers`` never hold ``Authorization`` or other
    credentials (``authorized`` says whether a bearer key was sent); ``json`` is the
    decoded body, or ``None`` when the body is empty or not JSON.
    """

    method: str
    url: str
    path: str
    query: Dict[str, str] = field(default_factory=dict)
    headers: Dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes = b""
    authorized: bool = False

    @property
    def stream(self) -> bool:
        """Whether the call asked for a streamed answer."""
        return isinstance(self.json, dict) and self.json.get("stream") is True

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A header by case-insensitive name.

        Args:
            name: The header's name.
            default: What to return when the request has no such header.

        Returns:
            The header's value, or ``default``.
        """
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default


AGENT_ROOT = "/agents/v1/"


def api_path(url_path: str) -> str:
    """``/v1/models/org%2Fx`` -> ``/models/org/x``; ``/api/v1/x/y`` -> ``/x/y``; a Cloud
    agent's ``/agents/v1/{key}/chat`` -> ``/agent/chat`` (the key left out)."""
    agent = url_path.find(AGENT_ROOT)
    if agent >= 0:
        _, _, rest = url_path[agent + len(AGENT_ROOT) :].partition("/")
        return "/agent/" + unquote(rest) if rest else "/agent"
    index = url_path.find("/v1/")
    rest = url_path[index + 3 :] if index >= 0 else url_path
    if url_path.endswith("/v1"):
        rest = "/"
    return unquote(rest) or "/"


def record(request: Request) -> RecordedRequest:
    parts = urlsplit(request.url)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in SENSITIVE_HEADERS}
    auth = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    body = request.body or b""
    decoded: Any = None
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    if body and "json" in content_type.lower():
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
    return RecordedRequest(
        method=request.method.upper(),
        url=mask_agent_keys(request.url),
        path=api_path(parts.path),
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        json=decoded,
        content=body,
        authorized=auth.startswith("Bearer ") and len(auth) > len("Bearer "),
    )
