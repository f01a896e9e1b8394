"""``CloudAgent`` / ``AsyncCloudAgent`` on the in-memory fake: configuration, bad input
refused before any request, what goes on the wire, typed and tolerant replies, the
tool-confirmation fallback, the ``Conversation`` helper, streams; both flavours."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, List

import pytest

from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.cloud import (
    AgentChatResponse,
    AsyncCloudAgent,
    AsyncConversation,
    CloudAgent,
    Conversation,
    PendingToolCall,
)
from meganova.core.http import Request
from meganova.errors import (
    ConfigurationError,
    InvalidArgumentError,
    MeganovaError,
    NotFoundError,
    RateLimitError,
    StreamError,
)
from meganova.testing import Drop, Error, FakeMeganova, Stream, Text, ToolApproval

KEY = "agent_unit-K3y-0123456789"
USER = [{"role": "user", "content": "Hi"}]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEGANOVA_AGENT_KEY", "MEGANOVA_AGENT_BASE_URL", "MEGANOVA_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def recorder(
    answer: Callable[[Request], FakeResponse] | None = None,
) -> tuple[FakeTransport, List[Request]]:
    seen: List[Request] = []

    def handler(request: Request) -> FakeResponse:
        seen.append(request)
        if answer is not None:
            return answer(request)
        return FakeResponse(200, b'{"response": "ok"}', {"Content-Type": "application/json"})

    return FakeTransport(handler), seen


def json_reply(body: Any, status: int = 200) -> FakeResponse:
    return FakeResponse(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


# -- configuration ---------------------------------------------------------------------


def test_the_key_and_base_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    transport, seen = recorder()
    monkeypatch.setenv("MEGANOVA_AGENT_KEY", KEY)
    with CloudAgent(transport=transport) as agent:
        agent.chat("Hi")
        assert agent.base_url == "https://studio-api.meganova.ai"
    monkeypatch.setenv("MEGANOVA_AGENT_BASE_URL", "https://studio.example.test/")
    with CloudAgent(transport=transport) as agent:
        agent.chat("Hi")
    assert [r.url for r in seen] == [
        f"https://studio-api.meganova.ai/agents/v1/{KEY}/chat",
        f"https://studio.example.test/agents/v1/{KEY}/chat",
    ]
    # arguments win over the environment
    with CloudAgent(api_key="agent_other", base_url="http://127.0.0.1:9", transport=transport) as a:
        a.info()
    assert seen[-1].url == "http://127.0.0.1:9/agents/v1/agent_other/info"


def test_no_authorization_header_is_sent_and_the_main_key_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-main-key")
    transport, seen = recorder()
    with CloudAgent(api_key=KEY, transport=transport) as agent:
        agent.chat("Hi")
    (request,) = seen
    assert not any(name.lower() == "authorization" for name in request.headers)
    assert "sk-main-key" not in repr(dict(request.headers))
    assert request.headers["User-Agent"].startswith("meganova-python/")
    with pytest.raises(ConfigurationError, match="MEGANOVA_AGENT_KEY"):
        CloudAgent(transport=transport)  # MEGANOVA_API_KEY is not an agent key


@pytest.mark.parametrize(
    "key", ["sk-live-123", "agent_", "Agent_x", " ", "agent_\u00e9t\u00e9", 42]
)
def test_a_key_that_is_not_an_agent_key_is_refused_naming_api_key(key: Any) -> None:
    transport, seen = recorder()
    with pytest.raises((InvalidArgumentError, ConfigurationError)) as caught:
        CloudAgent(api_key=key, transport=transport)
    if isinstance(caught.value, InvalidArgumentError):
        assert caught.value.argument == "api_key"
        assert str(key) not in str(caught.value) or str(key) == "agent_"
    assert seen == []


def test_a_wrong_kind_of_key_from_the_environment_says_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEGANOVA_AGENT_KEY", "sk-not-an-agent")
    with pytest.raises(InvalidArgumentError, match=r"api_key \(from MEGANOVA_AGENT_KEY\)") as e:
        CloudAgent(transport=recorder()[0])
    assert "sk-not-an-agent" not in str(e.value)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda a: a.chat(""), "message"),
        (lambda a: a.chat(3), "message"),
        (lambda a: a.chat("Hi", conversation_id=7), "conversation_id"),
        (lambda a: a.chat("Hi", extra_data=["x"]), "extra_data"),
        (lambda a: a.chat("Hi", extra_data={"when": object()}), "extra_data"),
        (lambda a: a.confirm_tool("appr", "maybe"), "action"),
        (lambda a: a.confirm_tool(""), "approval_id"),
        (lambda a: a.completions([]), "messages"),
        (lambda a: a.completions(USER, temperature=3), "temperature"),
        (lambda a: a.completions(USER, max_tokens=0), "max_tokens"),
        (lambda a: a.completions(USER, stream="yes"), "stream"),
        (lambda a: a.completions(USER, user=""), "user"),
        (lambda a: a.info(timeout=-1), "timeout"),
        (lambda a: a.conversation(5), "conversation_id"),
    ],
)
def test_bad_input_is_refused_before_any_request(call: Any, argument: str) -> None:
    transport, seen = recorder()
    with (
        CloudAgent(api_key=KEY, transport=transport) as agent,
        pytest.raises(InvalidArgumentError) as caught,
    ):
        call(agent)
    assert caught.value.argument == argument
    assert seen == []


def test_with_options_changes_options_and_keeps_the_key_out_of_its_repr() -> None:
    transport, seen = recorder()
    agent = CloudAgent(api_key=KEY, transport=transport)
    faster = agent.with_options(timeout=3, max_retries=0, default_headers={"X-Team": "blue"})
    faster.info()
    assert seen[0].timeout.read == 3 and seen[0].headers["X-Team"] == "blue"
    assert faster.max_retries == 0 and agent.max_retries == 2
    assert KEY not in repr(faster) and "api_key=<redacted>" in repr(faster)
    with pytest.raises(TypeError):
        agent.with_options(default_model="m")  # type: ignore[call-arg]


# -- replies ---------------------------------------------------------------------------


def test_a_rejection_without_ids_decodes_and_odd_fields_are_tolerated() -> None:
    replies = iter(
        [
            {"response": "Cancelled", "status": "rejected"},  # no message_id/agent_id/agent_name
            {"response": "Hi", "conversation_id": "c1", "tokens_used": "many", "x": [1]},
            {"id": "a", "name": "Nova", "is_available": "yes", "welcome_message": None},
            {"response": None, "memories_used": None, "pending_tool_call": None},
        ]
    )
    transport, _ = recorder(lambda request: json_reply(next(replies)))
    with CloudAgent(api_key=KEY, transport=transport) as agent:
        ack = agent.confirm_tool("appr_1", "reject")
        assert (ack.response, ack.status, ack.message_id, ack.agent_name) == (
            "Cancelled",
            "rejected",
            None,
            None,
        )
        odd = agent.chat("Hi")
        assert (odd.response, odd.conversation_id, odd.tokens_used) == ("Hi", "c1", None)
        info = agent.info()
        assert (info.name, info.is_available, info.welcome_message) == ("Nova", None, "")
        empty = agent.chat("Hi")
        assert (empty.response, empty.memories_used) == ("", 0)


def test_a_reply_that_is_not_json_is_a_typed_error() -> None:
    transport, _ = recorder(
        lambda r: FakeResponse(200, b"<html>oops", {"Content-Type": "text/html"})
    )
    with (
        CloudAgent(api_key=KEY, transport=transport) as agent,
        pytest.raises(MeganovaError) as caught,
    ):
        agent.info()
    assert type(caught.value).__name__ == "APIResponseValidationError"


def test_a_reply_carries_its_request_id_and_models_read_like_dicts() -> None:
    fake = FakeMeganova()
    fake.script(ToolApproval("create_ticket", {"subject": "Login"}, "Open a ticket"))
    with fake.agent() as agent:
        reply = agent.chat("My login fails")
    assert isinstance(reply, AgentChatResponse) and reply.request_id == "req_fake_000001"
    pending = reply.pending_tool_call
    assert isinstance(pending, PendingToolCall)
    assert pending["tool_arguments"] == {"subject": "Login"} and pending.description
    assert reply.to_dict()["pending_tool_call"]["tool_name"] == "create_ticket"


# -- tool confirmation -----------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 405])
def test_confirmation_falls_back_on_404_or_405_and_remembers_for_copies(status: int) -> None:
    def answer(request: Request) -> FakeResponse:
        if request.url.endswith("/chat/confirm"):
            return json_reply({"detail": "Not Found"}, status)
        return json_reply({"response": "done"})

    transport, seen = recorder(answer)
    with CloudAgent(api_key=KEY, transport=transport) as agent:
        assert agent.confirm_tool("a1").response == "done"
        assert agent.confirm_tool("a2").response == "done"
        agent.with_options(timeout=9).confirm_tool("a3")
    tails = [r.url.rsplit(KEY, 1)[1] for r in seen]
    assert tails == ["/chat/confirm", "/confirm-tool", "/confirm-tool", "/confirm-tool"]


def test_the_newer_path_is_remembered_when_it_answers() -> None:
    transport, seen = recorder()
    with CloudAgent(api_key=KEY, transport=transport) as agent:
        agent.confirm_tool("a1")
        agent.confirm_tool("a2")
    assert [r.url.rsplit(KEY, 1)[1] for r in seen] == ["/chat/confirm", "/chat/confirm"]


def test_other_errors_do_not_fall_back() -> None:
    fake = FakeMeganova()
    fake.script(Error(429, "slow down", path="/agent/chat/confirm"))
    with fake.agent(max_retries=0) as agent, pytest.raises(RateLimitError):
        agent.confirm_tool("a1")
    assert [r.path for r in fake.requests] == ["/agent/chat/confirm"]


def test_a_remembered_path_is_not_second_guessed() -> None:
    fake = FakeMeganova()
    fake.script(ToolApproval("t", approval_id="a1"))
    with fake.agent() as agent:
        agent.chat("go")
        agent.confirm_tool("a1")  # /chat/confirm answers: remembered
        with pytest.raises(NotFoundError, match="Approval not found"):
            agent.confirm_tool("a1")  # already answered: a real 404, no fallback
    assert [r.path for r in fake.requests][1:] == ["/agent/chat/confirm"] * 2


@pytest.mark.parametrize("paths", [{"/chat/confirm"}, {"/confirm-tool"}])
def test_the_fake_serves_either_confirmation_path(paths: set) -> None:
    fake = FakeMeganova()
    fake.agent_confirm_paths = paths
    fake.script(ToolApproval("refund", {"order": 7}, "Refund order 7", result="Refunded."))
    with fake.agent() as agent:
        conversation = agent.conversation()
        conversation.chat("Refund my order")
        assert conversation.confirm().response == "Refunded."
    fake.assert_script_consumed()


# -- the conversation helper -----------------------------------------------------------


def test_a_conversation_keeps_its_id_messages_and_pending_tool_call() -> None:
    fake = FakeMeganova()
    fake.script(
        Text("Sure, what is your email?", path="/agent/chat"),
        ToolApproval("reset_password", {"email": "a@b.c"}, "Send a reset link"),
    )
    with fake.agent() as agent:
        conversation = agent.conversation()
        assert isinstance(conversation, Conversation) and conversation.conversation_id is None
        conversation.chat("I forgot my password", user_identifier="a@b.c")
        first_id = conversation.conversation_id
        conversation.chat("It is a@b.c")
        assert conversation.conversation_id == first_id
        assert conversation.pending_tool_call is not None
        assert conversation.pending_tool_call.tool_name == "reset_password"
        done = conversation.confirm()
        assert conversation.pending_tool_call is None
        assert conversation.last_response is done
        with pytest.raises(MeganovaError, match="No pending tool call to reject") as caught:
            conversation.reject()
        assert caught.value.code == "no_pending_tool_call"
    assert [m["role"] for m in conversation.messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "assistant",
    ]
    assert conversation.messages[-1]["content"] == "Done: reset_password ran."
    chats = fake.requests_to("/agent/chat")
    assert "conversation_id" not in chats[0].json and chats[1].json["conversation_id"] == first_id
    assert chats[0].json["user_identifier"] == "a@b.c"
    assert fake.conversations[first_id][0] == {"role": "user", "content": "I forgot my password"}


def test_a_failed_turn_leaves_the_conversation_as_it_was() -> None:
    fake = FakeMeganova()
    fake.script(Error(500, "down", path="/agent/chat"))
    with fake.agent(max_retries=0) as agent:
        conversation = agent.conversation("conv_9")
        with pytest.raises(MeganovaError):
            conversation.chat("Hi")
        assert conversation.messages == [] and conversation.conversation_id == "conv_9"
        conversation.chat("Hi")
    assert conversation.conversation_id == "conv_9" and len(conversation.messages) == 2


def test_retries_happen_on_agent_calls_too() -> None:
    fake = FakeMeganova()
    fake.script(Error(503, path="/agent/chat"), Error(429, retry_after=1, path="/agent/chat"))
    with fake.agent(max_retries=2) as agent:
        assert agent.chat("Hi").response
    assert len(fake.requests_to("/agent/chat")) == 3


# -- completions -------------------------------------------------------------------------


def test_completions_plain_and_streamed_on_the_fake() -> None:
    fake = FakeMeganova()
    fake.script(
        Text("Fine, thanks.", path="/agent/chat/completions"),
        Stream(["Coun", "ting"], path="/agent/chat/completions"),
        Drop(after=2, pieces=["One ", "two ", "three"], path="/agent/chat/completions"),
    )
    with fake.agent() as agent:
        whole = agent.completions(USER, temperature=0.5, max_tokens=20, user="ana")
        assert whole.text == "Fine, thanks." and whole.model == "agent-model"
        assert whole.usage is not None and whole.usage.total_tokens > 0
        with agent.completions(USER, stream=True) as stream:
            assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == (
                "Counting"
            )
        broken = agent.completions(USER, stream=True)
        with pytest.raises(StreamError) as caught:
            for _ in broken:
                pass
        assert caught.value.partial_text == "One two "
    sent = fake.requests_to("/agent/chat/completions")[0].json
    assert sent == {
        "messages": USER,
        "stream": False,
        "temperature": 0.5,
        "max_tokens": 20,
        "user": "ana",
    }
    assert "model" not in sent


def test_a_stream_is_chats_stream_type() -> None:
    from meganova.streaming import ChatCompletionStream
    from meganova.streaming_async import AsyncChatCompletionStream

    fake = FakeMeganova()
    with fake.agent() as agent:
        stream = agent.completions(USER, stream=True)
        assert type(stream) is ChatCompletionStream
        stream.close()

    async def main() -> None:
        async with fake.async_agent() as agent:
            stream = await agent.completions(USER, stream=True)
            assert type(stream) is AsyncChatCompletionStream
            await stream.aclose()

    asyncio.run(main())


# -- the async flavour -------------------------------------------------------------------


def test_the_async_agent_does_all_of_it() -> None:
    fake = FakeMeganova()
    fake.agent_confirm_paths = {"/confirm-tool"}
    fake.script(ToolApproval("t", {"n": 1}, "Do t"), Error(503, path="/agent/info"))

    async def main() -> Dict[str, Any]:
        async with fake.async_agent(max_retries=1) as agent:
            assert isinstance(agent, AsyncCloudAgent)
            info = await agent.info()
            conversation = agent.conversation()
            assert isinstance(conversation, AsyncConversation)
            await conversation.chat("Do t")
            rejected = await conversation.reject()
            assert rejected.agent_id is None
            again = await agent.with_options(timeout=4).confirm_tool("nope", "approve")
            return {"info": info, "route": agent._route.confirm_path, "again": again}

    with pytest.raises(NotFoundError):  # "nope" is unknown: a real 404 on the known path
        asyncio.run(main())
    paths = [r.path for r in fake.requests]
    assert paths == [
        "/agent/info",
        "/agent/info",  # the 503 was retried
        "/agent/chat",
        "/agent/chat/confirm",
        "/agent/confirm-tool",
        "/agent/confirm-tool",  # the copy went straight to the path that answered
    ]


def test_async_input_errors_are_raised_before_any_request() -> None:
    fake = FakeMeganova()

    async def main() -> None:
        async with fake.async_agent() as agent:
            with pytest.raises(InvalidArgumentError):
                await agent.chat("")
            with pytest.raises(MeganovaError, match="No pending tool call"):
                await agent.conversation().confirm()

    asyncio.run(main())
    assert fake.requests == []


def test_an_unknown_agent_key_is_answered_401_by_the_fake() -> None:
    fake = FakeMeganova()
    transport = fake.transport
    agent = CloudAgent(api_key=KEY, transport=transport)

    def bad_key(request: Request) -> FakeResponse:
        return fake.handle(
            Request(request.method, request.url.replace(KEY, "notakey"), request.headers)
        )

    bad = CloudAgent(api_key=KEY, transport=FakeTransport(bad_key), max_retries=0)
    with pytest.raises(MeganovaError) as caught:
        bad.info()
    assert getattr(caught.value, "status", None) == 401
    assert agent.info().name == "Luna"
    agent.close()
