"""A 200 reply that carries an error is an error, never an empty answer."""

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.errors import APIError, APIResponseValidationError, RateLimitError

USER = [{"role": "user", "content": "Hi"}]
OVERLOADED = {"error": {"message": "model overloaded", "code": "overloaded"}}
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}}],
}


def client_answering(body, headers=None):
    reply = FakeResponse.json(body, headers={"x-request-id": "req_7", **(headers or {})})
    transport = FakeTransport(replies=[reply])
    return MegaNova(api_key="sk-test", transport=transport, max_retries=0), transport


def test_create_raises_the_servers_error_instead_of_an_empty_response():
    client, _ = client_answering(OVERLOADED)
    with pytest.raises(APIError) as info:
        client.chat.create(messages=USER, model="m")
    assert info.value.message == "model overloaded" and info.value.code == "overloaded"
    assert info.value.request_id == "req_7"


def test_an_error_payload_with_a_status_code_gets_that_class():
    client, _ = client_answering({"error": {"message": "slow down", "code": 429}})
    with pytest.raises(RateLimitError):
        client.chat.completions.create(messages=USER, model="m")


@pytest.mark.parametrize("surface", ["stream", "completions"])
def test_a_stream_answered_with_a_json_error_raises_it(surface):
    client, _ = client_answering(OVERLOADED)
    with pytest.raises(APIError) as info:
        if surface == "stream":
            list(client.chat.stream(messages=USER, model="m"))
        else:
            list(client.chat.completions.create(messages=USER, model="m", stream=True))
    assert info.value.message == "model overloaded" and info.value.request_id == "req_7"


def test_a_stream_answered_with_a_whole_completion_is_not_an_empty_stream():
    client, transport = client_answering(COMPLETION)
    with pytest.raises(APIResponseValidationError, match="event stream") as info:
        client.chat.stream(messages=USER, model="m")
    assert b"Hello" in info.value.body
    assert transport.responses[0].closed


def test_a_normal_reply_with_a_null_error_field_is_fine():
    client, _ = client_answering({**COMPLETION, "error": None})
    assert client.chat.create(messages=USER, model="m").text == "Hello"


def test_per_call_sdk_options_act_on_the_call_and_are_not_sent():
    transport = FakeTransport(
        replies=[
            FakeResponse.json({"error": {"message": "busy"}}, status=503),
            FakeResponse.json(COMPLETION),
        ]
    )
    client = MegaNova(api_key="sk-test", transport=transport)
    with pytest.raises(APIError):
        client.chat.create(
            messages=USER, model="m", max_retries=0, deadline=30, idempotency_key="order-42"
        )
    (sent,) = transport.requests  # max_retries=0: the 503 was not retried
    assert b"max_retries" not in sent.body and b"idempotency_key" not in sent.body
    assert b"deadline" not in sent.body
    assert sent.headers["Idempotency-Key"] == "order-42"
