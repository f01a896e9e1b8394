"""``FakeMeganova``: the Meganova API in process, on the fake transport."""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ..adapters.fake_transport import FakeResponse, FakeTransport
from ..core.budget import TimeBudget
from ..core.errors import APIConnectionError
from ..core.http import Request
from . import endpoints
from .clock import VirtualClock
from .demo import catalogue, luna_answer
from .recording import RecordedRequest, record
from .schema_example import example_for
from .script import (
    Corrupt,
    Delay,
    Drop,
    EndEarly,
    Error,
    Json,
    Refusal,
    Step,
    Stream,
    Text,
    ToolApproval,
    ToolCall,
    ToolCalls,
    coerce_step,
    step_delay,
)
from .wire import (
    DONE,
    ChatShape,
    Pause,
    Piece,
    ScriptedResponse,
    error_body,
    split_words,
    sse,
    token_count,
    wait,
)

if TYPE_CHECKING:
    from ..client import AsyncMegaNova, MegaNova
    from ..cloud import AsyncCloudAgent, CloudAgent
    from .serve import FakeServer

VIDEO_STAGES = ("queued", "processing", "completed")
CHAT_PATHS = ("/chat/completions", "/agent/chat/completions")
CONFIRM_PATHS = ("/agent/chat/confirm", "/agent/confirm-tool")
AGENT_MODEL = "agent-model"


class FakeMeganova:
    """A stand-in for the Meganova API: scripted replies first, then sensible defaults.

    >>> fake = FakeMeganova()
    >>> fake.script(Text("Ahoy!"), Error(429, retry_after=2))
    >>> client = fake.client()
    >>> client.chat.create(messages=[...], model="...")   # doctest: +SKIP

    Unscripted chat calls are answered by Luna, the demo character of Neon Harbor.
    The fake keeps a models catalogue (``models``) and video jobs that move from
    ``queued`` to ``processing`` to ``completed`` as its clock advances or as they are
    polled. Every request is kept in ``requests``.

    It serves a Cloud agent too (``agent()`` / ``async_agent()`` give a ``CloudAgent``
    wired to it): ``info`` (``agent_info``), ``chat`` with conversation state
    (``conversations``), tool approvals scripted with ``ToolApproval``, confirmation on
    ``/chat/confirm`` and ``/confirm-tool`` (``agent_confirm_paths`` picks which exist; the
    other answers 404), and ``completions``, whole and streamed (script them with steps
    whose ``path`` is ``"/agent/chat/completions"``). Any key starting with ``agent_``
    works; another one is answered 401.

    Args:
        clock: The clock the fake and its clients share (default: a new
            ``VirtualClock``, so waits take no real time).
        models: The catalogue ``/models`` serves, as the API's JSON objects (default:
            the demo catalogue).
        stream_gap: Seconds (on the clock) between two events of a default stream.
        video_seconds: Seconds (on the clock) a video job takes to complete.
    """

    def __init__(
        self,
        *,
        clock: Any = None,
        models: Iterable[Mapping[str, Any]] | None = None,
        stream_gap: float = 0.0,
        video_seconds: float = 10.0,
    ) -> None:
        self.clock = clock if clock is not None else VirtualClock()
        self.models: list[dict[str, Any]] = [dict(m) for m in (models or catalogue())]
        self.stream_gap = stream_gap
        self.video_seconds = video_seconds
        self.requests: list[RecordedRequest] = []
        self._script: deque[Step] = deque()
        self._videos: dict[str, dict[str, Any]] = {}
        self._counter = 0
        self._lock = threading.Lock()
        self.transport = FakeTransport(self.handle)
        self.agent_info: dict[str, Any] = {
            "id": "agt_luna",
            "name": "Luna",
            "description": "A guide to Neon Harbor (the fake's demo agent)",
            "avatar_url": None,
            "welcome_message": "Welcome to Neon Harbor! Ask me anything.",
            "is_available": True,
        }
        """What the agent's ``/info`` answers (change it freely)."""
        self.agent_confirm_paths: set[str] = {"/chat/confirm", "/confirm-tool"}
        """The tool-confirmation paths the fake's agent serves, relative to the agent
        (``{"/confirm-tool"}`` plays a server with only the older path)."""
        self.conversations: dict[str, list[dict[str, str]]] = {}
        """Each agent conversation's messages, by ``conversation_id``."""
        self._approvals: dict[str, tuple[ToolApproval, str]] = {}

    # -- scripting ------------------------------------------------------------------

    def script(self, *steps: Step | str) -> FakeMeganova:
        """Queue replies, consumed in order.

        Args:
            *steps: ``Text``, ``Stream``, ``ToolCall``, ``ToolCalls``, ``Error``, ``Drop``,
                ``EndEarly``, ``Corrupt``, ``Delay`` or ``Json`` steps; a bare string is a
                ``Text`` answer.

        Returns:
            The fake itself, so calls chain.

        Raises:
            TypeError: A step is none of these.
        """
        coerced = [coerce_step(step) for step in steps]
        with self._lock:
            self._script.extend(coerced)
        return self

    @property
    def pending(self) -> list[Step]:
        """Scripted steps not yet consumed."""
        with self._lock:
            return list(self._script)

    def assert_script_consumed(self) -> None:
        """Fail a test that scripted replies it never asked for.

        Raises:
            AssertionError: Some scripted steps were never requested (listed in the message).
        """
        left = self.pending
        if left:
            raise AssertionError(f"{len(left)} scripted repl(ies) never requested: {left!r}")

    # -- clients --------------------------------------------------------------------

    def client(self, **options: Any) -> MegaNova:
        """A ``MegaNova`` wired to this fake and its clock.

        Args:
            **options: Options for ``MegaNova`` (``max_retries=0``, ``timeout=...``); the
                key, base URL and clock default to the fake's.

        Returns:
            The client (close it, or use ``with``, when done).
        """
        from ..client import MegaNova

        options.setdefault("api_key", "sk-fake-key")
        options.setdefault("base_url", "https://api.meganova.ai/v1")
        options.setdefault("clock", self.clock)
        return MegaNova(transport=self.transport, **options)

    def async_client(self, **options: Any) -> AsyncMegaNova:
        """An ``AsyncMegaNova`` wired to this fake and its clock (as ``client``).

        Args:
            **options: Options for ``AsyncMegaNova``; the key, base URL and clock
                default to the fake's.

        Returns:
            The client (``await client.close()``, or ``async with``, when done).
        """
        from ..adapters.fake_transport import AsyncFakeTransport
        from ..client import AsyncMegaNova

        options.setdefault("api_key", "sk-fake-key")
        options.setdefault("base_url", "https://api.meganova.ai/v1")
        options.setdefault("clock", self.clock)
        return AsyncMegaNova(transport=AsyncFakeTransport(self.handle), **options)

    def serve(self) -> FakeServer:
        """Serve this fake over HTTP on 127.0.0.1 (a free port), so real transports, a
        recording cassette or another process can reach it.

        >>> with FakeMeganova().serve() as server:             # doctest: +SKIP
        ...     client = server.client()   # a MegaNova on the default transport

        Returns:
            The running server (``base_url``, ``client()``, ``async_client()``); use
            it as a context manager, or ``close()`` it.
        """
        from .serve import FakeServer

        return FakeServer(self)

    def agent(self, **options: Any) -> CloudAgent:
        """A ``CloudAgent`` wired to this fake and its clock.

        Args:
            **options: Options for ``CloudAgent`` (``max_retries=0``, ``timeout=...``); the
                key (``agent_fake_key``), base URL and clock default to the fake's.

        Returns:
            The agent client (close it, or use ``with``, when done).
        """
        from ..cloud import CloudAgent

        options.setdefault("api_key", "agent_fake_key")
        options.setdefault("base_url", "https://studio-api.meganova.ai")
        options.setdefault("clock", self.clock)
        return CloudAgent(transport=self.transport, **options)

    def async_agent(self, **options: Any) -> AsyncCloudAgent:
        """An ``AsyncCloudAgent`` wired to this fake and its clock (as ``agent``).

        Args:
            **options: Options for ``AsyncCloudAgent``; the key, base URL and clock
                default to the fake's.

        Returns:
            The agent client (``await agent.close()``, or ``async with``, when done).
        """
        from ..adapters.fake_transport import AsyncFakeTransport
        from ..cloud import AsyncCloudAgent

        options.setdefault("api_key", "agent_fake_key")
        options.setdefault("base_url", "https://studio-api.meganova.ai")
        options.setdefault("clock", self.clock)
        return AsyncCloudAgent(transport=AsyncFakeTransport(self.handle), **options)

    # -- what was seen ----------------------------------------------------------------

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request (raises ``AssertionError`` when there is none)."""
        if not self.requests:
            raise AssertionError("The fake has not received any request")
        return self.requests[-1]

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Requests to one API path, optionally of one method.

        Args:
            path: The path relative to the API root, e.g. ``"/chat/completions"``.
            method: ``"GET"``, ``"POST"``... (any case); ``None`` for all.

        Returns:
            The matching ``RecordedRequest`` items, oldest first.
        """
        return [
            r
            for r in self.requests
            if r.path == path and (method is None or r.method == method.upper())
        ]

    def reset(self) -> None:
        """Forget requests, script, video jobs and agent conversations (the catalogue and
        the agent's settings stay)."""
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self._videos.clear()
            self.conversations.clear()
            self._approvals.clear()

    # -- the handler ----------------------------------------------------------------

    def handle(self, request: Request) -> FakeResponse:
        """Answer one request (the ``FakeTransport`` handler); serve it over HTTP from a test
        server to put a real transport in front of the fake.

        Args:
            request: The request as a transport receives it.

        Returns:
            The fake's reply.
        """
        seen = record(request)
        with self._lock:
            self.requests.append(seen)
            self._counter += 1
            request_id = f"req_fake_{self._counter:06d}"
            step = self._take(seen.path)
        read_timeout = request.timeout.read
        if step is not None:
            wait(self.clock, step_delay(step), read_timeout, request.budget)
        reply = _Reply(request_id, self.clock, read_timeout, request.budget)
        if step is not None and not isinstance(step, Delay):
            return self._scripted(step, seen, reply)
        return self._default(seen, reply)

    def _take(self, path: str) -> Step | None:
        for index, step in enumerate(self._script):
            if step.path is None or step.path == path:
                del self._script[index]
                return step
        return None

    def _scripted(self, step: Step, seen: RecordedRequest, reply: _Reply) -> FakeResponse:
        if isinstance(step, Error):
            return reply.error(step)
        if isinstance(step, Json):
            return reply.json(step.body, step.status, step.headers)
        if isinstance(step, Drop) and step.after == 0:
            raise APIConnectionError(
                "Connection reset by peer (scripted by FakeMeganova)", request_sent=True
            )
        if isinstance(step, Drop) and seen.path not in CHAT_PATHS:
            return reply.broken_body()
        body = seen.json if isinstance(seen.json, dict) else {}
        if seen.path.startswith("/agent"):
            return self._agent(seen, body, reply, step)
        return self._chat(seen, body, reply, step)

    def _default(self, seen: RecordedRequest, reply: _Reply) -> FakeResponse:
        body = seen.json if isinstance(seen.json, dict) else {}
        route = (seen.method, seen.path)
        try:
            if seen.path.startswith("/agent"):
                return self._agent(seen, body, reply, None)
            if route == ("POST", "/chat/completions"):
                return self._chat(seen, body, reply, None)
            if route == ("GET", "/models"):
                return reply.json({"object": "list", "data": self.models})
            if seen.method == "GET" and seen.path.startswith("/models/"):
                return self._model(seen.path[len("/models/") :], reply)
            if route == ("GET", "/serverless/models/filter"):
                return reply.json(self._serverless(seen.query))
            if seen.path.startswith("/videos/"):
                return self._video(seen, body, reply)
            handler = self._simple_routes().get(route)
            if handler is not None:
                return reply.json(handler(seen, body))
        except endpoints.BadRequest as exc:
            return reply.json(error_body(str(exc), "invalid_request"), 400)
        return reply.json(
            error_body(f"No route for {seen.method} {seen.path} in the fake", "not_found"), 404
        )

    def _simple_routes(
        self,
    ) -> dict[tuple[str, str], Callable[[RecordedRequest, dict[str, Any]], Any]]:
        now = int(self.clock.time())
        return {
            ("POST", "/embeddings"): lambda s, b: endpoints.embeddings(b),
            ("POST", "/rerank"): lambda s, b: endpoints.rerank(b),
            ("POST", "/images/generations"): lambda s, b: endpoints.images_openai(b, now),
            ("POST", "/images/generation"): lambda s, b: endpoints.images_native(b),
            ("POST", "/audio/transcriptions"): lambda s, b: endpoints.transcription(),
            ("GET", "/usage/time_range"): lambda s, b: endpoints.usage(s.query),
            ("GET", "/billing/user-instance-billings"): lambda s, b: endpoints.billing(),
            ("GET", "/users/credits"): lambda s, b: endpoints.credits(),
        }

    # -- chat -------------------------------------------------------------------------

    def _tool_calls(
        self,
        step: ToolCall | ToolCalls,
        shape: ChatShape,
        reply: _Reply,
        prompt_tokens: int,
        streaming: bool,
        include_usage: bool,
    ) -> FakeResponse:
        calls = step.calls if isinstance(step, ToolCalls) else (step,)
        wire_calls: list[dict[str, Any]] = [
            {
                "id": call.id or f"call_fake{self._counter:06d}_{index}",
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.arguments
                    if isinstance(call.arguments, str)
                    else json.dumps(call.arguments),
                },
            }
            for index, call in enumerate(calls)
        ]
        if isinstance(step, ToolCall) and step.id is None:
            wire_calls[0]["id"] = f"call_fake{self._counter:06d}"
        sent = "".join(c["function"]["arguments"] for c in wire_calls)
        usage = _usage(prompt_tokens, token_count(sent))
        if not streaming:
            message = {"role": "assistant", "content": step.content, "tool_calls": wire_calls}
            return reply.json(shape.completion(message, "tool_calls", usage))
        events: list[Piece] = [sse(c) for c in shape.tool_call_chunks(wire_calls, step.content)]
        events.append(sse(shape.chunk({}, "tool_calls")))
        if include_usage:
            events.append(sse(shape.usage_chunk(usage)))
        events.append(DONE)
        return reply.stream(events)

    def _chat(
        self, seen: RecordedRequest, body: dict[str, Any], reply: _Reply, step: Step | None
    ) -> FakeResponse:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return reply.json(
                error_body("messages must be a non-empty array", "invalid_request"), 400
            )
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return reply.json(error_body("model is required", "invalid_request"), 400)
        with self._lock:
            completion_id = f"chatcmpl-fake{self._counter:06d}"
        shape = ChatShape(completion_id, model, int(self.clock.time()))
        prompt = _last_user_text(messages)
        prompt_tokens = sum(token_count(_text_of(m)) for m in messages if isinstance(m, dict))
        streaming = body.get("stream") is True
        include_usage = isinstance(body.get("stream_options"), dict) and bool(
            body["stream_options"].get("include_usage")
        )
        max_tokens = body.get("max_tokens") if isinstance(body.get("max_tokens"), int) else None

        if isinstance(step, (ToolCall, ToolCalls)):
            return self._tool_calls(step, shape, reply, prompt_tokens, streaming, include_usage)

        if isinstance(step, Refusal):
            if not streaming:
                refused = {"role": "assistant", "content": None, "refusal": step.refusal}
                return reply.json(shape.completion(refused, "stop", _usage(prompt_tokens, 0)))
            return reply.stream(
                [
                    sse(shape.chunk({"role": "assistant", "refusal": step.refusal})),
                    sse(shape.chunk({}, "stop")),
                    DONE,
                ]
            )

        finish = "stop"
        gap = self.stream_gap
        reasoning = None
        structured = _structured_answer(body.get("response_format"), prompt)
        if isinstance(step, Stream):
            pieces = list(step.pieces)
            finish, gap = step.finish_reason, step.gap
        elif isinstance(step, Text):
            pieces = split_words(step.content)
            finish, reasoning = step.finish_reason, step.reasoning
        elif isinstance(step, EndEarly) or (
            isinstance(step, (Drop, Corrupt)) and step.pieces is not None
        ):
            pieces = list(step.pieces or ())
        else:
            # JSON fitting the schema asked for, or Luna's answer; cut at max_tokens
            pieces = split_words(luna_answer(prompt) if structured is None else structured)
            if max_tokens is not None and len(pieces) > max_tokens:
                pieces, finish = pieces[: max(max_tokens, 0)], "length"
        content = "".join(pieces)
        usage = _usage(prompt_tokens, token_count(content))

        if not streaming:
            if isinstance(step, (Drop, EndEarly, Corrupt)):
                return reply.broken_body()
            reply_message: dict[str, Any] = {"role": "assistant", "content": content}
            if reasoning is not None:
                reply_message["reasoning_content"] = reasoning
            return reply.json(shape.completion(reply_message, finish, usage))

        chunks = [sse(c) for c in shape.text_chunks(pieces)]
        if reasoning is not None:
            chunks.insert(
                0, sse(shape.chunk({"role": "assistant", "reasoning_content": reasoning}))
            )
        if isinstance(step, EndEarly):
            return reply.stream(_with_gaps(chunks, gap))
        if isinstance(step, Drop):
            broken: list[Piece] = list(_with_gaps(chunks[: step.after], gap))
            broken.append(
                APIConnectionError(
                    f"Connection dropped after {step.after} event(s) (scripted by FakeMeganova)",
                    request_sent=True,
                )
            )
            return reply.stream(broken)
        chunks.append(sse(shape.chunk({}, finish)))
        if include_usage:
            chunks.append(sse(shape.usage_chunk(usage)))
        if isinstance(step, Corrupt):
            chunks.insert(min(step.after, len(chunks)), sse(step.data))
        chunks.append(DONE)
        return reply.stream(_with_gaps(chunks, gap))

    # -- the Cloud agent --------------------------------------------------------------

    def _agent(
        self, seen: RecordedRequest, body: dict[str, Any], reply: _Reply, step: Step | None
    ) -> FakeResponse:
        if not _agent_key_in(seen):
            return reply.json({"detail": "Invalid agent key"}, 401)
        path = seen.path
        if path == "/agent/info":
            if seen.method != "GET":
                return reply.json({"detail": "Method Not Allowed"}, 405)
            return reply.json(self.agent_info)
        if seen.method != "POST":
            return reply.json({"detail": "Method Not Allowed"}, 405)
        if path == "/agent/chat/completions":
            with_model = {**body, "model": body.get("model") or AGENT_MODEL}
            return self._chat(seen, with_model, reply, step)
        if path == "/agent/chat":
            return self._agent_chat(body, reply, step)
        if path in CONFIRM_PATHS:
            if path[len("/agent") :] not in self.agent_confirm_paths:
                return reply.json({"detail": "Not Found"}, 404)
            return self._agent_confirm(body, reply)
        return reply.json({"detail": "Not Found"}, 404)

    def _agent_reply(self, conversation_id: str, text: str, **more: Any) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            message_id = f"msg_fake{self._counter:06d}"
        return {
            "response": text,
            "conversation_id": conversation_id,
            "message_id": message_id,
            "agent_id": self.agent_info.get("id"),
            "agent_name": self.agent_info.get("name"),
            "tokens_used": token_count(text),
            "memories_used": 0,
            **more,
        }

    def _agent_chat(self, body: dict[str, Any], reply: _Reply, step: Step | None) -> FakeResponse:
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return reply.json({"detail": "message is required"}, 422)
        if isinstance(step, (Drop, EndEarly, Corrupt)):
            return reply.broken_body()
        conversation_id = body.get("conversation_id")
        with self._lock:
            if not isinstance(conversation_id, str) or not conversation_id:
                conversation_id = f"conv_fake{len(self.conversations) + 1:04d}"
            history = self.conversations.setdefault(conversation_id, [])
            history.append({"role": "user", "content": message})
        more: dict[str, Any] = {}
        if isinstance(step, ToolApproval):
            with self._lock:
                approval_id = step.approval_id or f"appr_fake{len(self._approvals) + 1:04d}"
                self._approvals[approval_id] = (step, conversation_id)
            text = step.response
            more["pending_tool_call"] = {
                "approval_id": approval_id,
                "tool_name": step.tool_name,
                "tool_arguments": dict(step.arguments),
                "description": step.description or f"Run {step.tool_name}",
            }
            more["status"] = "pending_approval"
        elif isinstance(step, (Text, Stream)):
            text = step.content if isinstance(step, Text) else "".join(step.pieces)
        else:
            text = luna_answer(message)
        with self._lock:
            history.append({"role": "assistant", "content": text})
        return reply.json(self._agent_reply(conversation_id, text, **more))

    def _agent_confirm(self, body: dict[str, Any], reply: _Reply) -> FakeResponse:
        action = body.get("action")
        if action not in ("approve", "reject"):
            return reply.json({"detail": "action must be 'approve' or 'reject'"}, 422)
        with self._lock:
            found = self._approvals.pop(str(body.get("approval_id")), None)
        if found is None:
            return reply.json({"detail": "Approval not found or already answered"}, 404)
        step, conversation_id = found
        if action == "approve":
            text = step.result or f"Done: {step.tool_name} ran."
            answer = self._agent_reply(conversation_id, text, status="completed")
        else:
            text = f"Understood, I did not run {step.tool_name}."
            # a rejection acknowledgement: fewer fields than a chat reply
            answer = {"response": text, "conversation_id": conversation_id, "status": "rejected"}
        with self._lock:
            self.conversations.setdefault(conversation_id, []).append(
                {"role": "assistant", "content": text}
            )
        return reply.json(answer)

    # -- models, catalogue, videos ------------------------------------------------------

    def _model(self, model_id: str, reply: _Reply) -> FakeResponse:
        for item in self.models:
            if item.get("id") == model_id:
                return reply.json(item)
        return reply.json(
            error_body(f"The model '{model_id}' does not exist", "model_not_found"), 404
        )

    def _serverless(self, query: Mapping[str, str]) -> dict[str, Any]:
        wanted = {m for m in query.get("modality", "").split(",") if m}
        modality_of = {
            "text->text": "text_generation",
            "text+image->text": "multimodal",
            "text->embedding": "embeddings",
            "text->score": "reranker",
            "text->image": "text_to_image",
            "text->video": "text_to_video",
            "audio->text": "audio",
        }
        items = []
        for model in self.models:
            modality = modality_of.get(model.get("architecture", {}).get("modality", ""), "other")
            if wanted and modality not in wanted:
                continue
            items.append(
                {
                    "model_name": model["id"],
                    "model_alias": model.get("name"),
                    "modality": modality,
                    "context_length": model.get("context_length"),
                    "input_price": 0.2,
                    "output_price": 0.6,
                    "cost_per_1k_input": 0.0002,
                    "cost_per_1k_output": 0.0006,
                    "tier2+_require": "premium" in model.get("tags", []),
                    "tags": {
                        "modality": [modality],
                        "highlight": [],
                        "use_case": [],
                        "model_family": [model["id"].split("/")[0]],
                    },
                }
            )
        return {
            "data": {"models": items, "count": len(items)},
            "message": "ok",
            "status": "success",
        }

    def _video(self, seen: RecordedRequest, body: dict[str, Any], reply: _Reply) -> FakeResponse:
        if (seen.method, seen.path) == ("POST", "/videos/generations"):
            if not isinstance(body.get("prompt"), str) or not isinstance(body.get("model"), str):
                raise endpoints.BadRequest("prompt and model are required")
            with self._lock:
                job_id = f"vid_fake{len(self._videos) + 1:04d}"
                self._videos[job_id] = {
                    "started": self.clock.monotonic(),
                    "created_at": int(self.clock.time()),
                    "polls": 0,
                    "model": body["model"],
                }
            return reply.json(self._video_state(job_id))
        if seen.method == "GET" and seen.path.startswith("/videos/generations/"):
            job_id = seen.path[len("/videos/generations/") :]
            with self._lock:
                job = self._videos.get(job_id)
                if job is not None:
                    job["polls"] += 1
            if job is None:
                return reply.json(error_body(f"No video generation {job_id!r}", "not_found"), 404)
            return reply.json(self._video_state(job_id))
        if (seen.method, seen.path) == ("POST", "/videos/generation"):
            if not isinstance(body.get("model_name"), str):
                raise endpoints.BadRequest("model_name is required")
            return reply.json(
                {
                    "status": "success",
                    "message": "Video generated successfully",
                    "data": {"url": "https://cdn.fake.meganova.invalid/videos/native.mp4"},
                }
            )
        if (seen.method, seen.path) == ("GET", "/videos/models/supported_models"):
            videos = [m["id"] for m in self.models if "video" in m.get("tags", [])]
            return reply.json({"data": [{"model_name": v} for v in videos]})
        return reply.json(error_body(f"No route for {seen.method} {seen.path}", "not_found"), 404)

    def _video_state(self, job_id: str) -> dict[str, Any]:
        job = self._videos[job_id]
        elapsed = self.clock.monotonic() - job["started"]
        by_time = 0 if elapsed < min(1.0, self.video_seconds) else 1
        if elapsed >= self.video_seconds:
            by_time = 2
        stage = VIDEO_STAGES[max(by_time, min(job["polls"], 2))]
        state: dict[str, Any] = {
            "id": job_id,
            "object": "video.generation",
            "created_at": job["created_at"],
            "status": stage,
            "model": job["model"],
            "estimated_cost": 0.6,
        }
        if stage == "completed":
            state["url"] = f"https://cdn.fake.meganova.invalid/videos/{job_id}.mp4"
        return state

    def __repr__(self) -> str:
        return f"FakeMeganova(requests={len(self.requests)}, scripted={len(self._script)})"


class _Reply:
    """Builds replies carrying the request id and the read timeout of one request."""

    def __init__(
        self,
        request_id: str,
        clock: Any,
        read_timeout: float | None,
        budget: TimeBudget | None = None,
    ) -> None:
        self.request_id = request_id
        self.clock = clock
        self.read_timeout = read_timeout
        self.budget = budget

    def _headers(self, content_type: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"Content-Type": content_type, "x-request-id": self.request_id, **(extra or {})}

    def json(
        self, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> FakeResponse:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        return FakeResponse(status, body, self._headers("application/json", headers))

    def error(self, step: Error) -> FakeResponse:
        extra = dict(step.headers or {})
        if step.retry_after is not None:
            extra["Retry-After"] = f"{step.retry_after:g}"
        if isinstance(step.body, bytes):
            return FakeResponse(step.status, step.body, self._headers("text/plain", extra))
        body = (
            step.body
            if step.body is not None
            else error_body(step.message or _reason(step.status), step.code)
        )
        return self.json(body, step.status, extra)

    def stream(self, pieces: Sequence[Piece]) -> FakeResponse:
        return ScriptedResponse(
            200,
            pieces,
            self._headers("text/event-stream"),
            clock=self.clock,
            read_timeout=self.read_timeout,
            budget=self.budget,
        )

    def broken_body(self) -> FakeResponse:
        lost = APIConnectionError(
            "Connection dropped while reading the body (scripted by FakeMeganova)",
            request_sent=True,
        )
        return ScriptedResponse(
            200,
            [b'{"id": "chatcmpl-partial", "choi', lost],
            self._headers("application/json"),
            clock=self.clock,
            read_timeout=self.read_timeout,
            budget=self.budget,
        )


def _agent_key_in(seen: RecordedRequest) -> bool:
    """Whether the path carried a key of the agent form: the recorded URL has it
    masked (``mask_agent_keys`` masks exactly the ``agent_...`` segments)."""
    return "/agents/v1/<redacted>/" in seen.url


def _with_gaps(chunks: Sequence[Piece], gap: float) -> list[Piece]:
    if gap <= 0:
        return list(chunks)
    out: list[Piece] = []
    for index, chunk in enumerate(chunks):
        if index:
            out.append(Pause(gap))
        out.append(chunk)
    return out


def _structured_answer(response_format: Any, prompt: str) -> str | None:
    """The unscripted answer to a ``response_format``: JSON fitting its schema (or an
    object for ``json_object``); ``None`` for text."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return json.dumps(example_for(schema if isinstance(schema, dict) else {}))
    if kind == "json_object":
        return json.dumps({"answer": luna_answer(prompt)})
    return None


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message)
    return ""


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
