"""Structured outputs against the fake, on both clients: ``chat.completions.parse`` and
``chat.parse`` send the type's schema and return the reply as the type;
``chat.completions.stream(response_format=T)``'s final response carries it; a reply that
cannot give it raises its typed error; bad input fails before anything is sent."""

from __future__ import annotations

import asyncio
import enum
import json
import pickle
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import msgspec
import pytest
from hypothesis import given
from typing_extensions import TypedDict

import meganova
from meganova.errors import (
    ContentFilterFinishReasonError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    LengthFinishReasonError,
    MeganovaError,
    OutputValidationError,
    RefusalError,
    SchemaValidationError,
    StructuredOutputError,
)
from meganova.schema import convert, json_schema
from meganova.testing import FakeMeganova, Refusal, Text, ToolCall
from meganova.testing.schema_example import example_for
from meganova.types import ParsedChatResponse
from tests.schema_shapes import ROOTS

USER = [{"role": "user", "content": "Tell me about Oslo"}]
MODEL = "meganova-ai/manta-flash-1.0"


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@dataclass
class Landmark:
    name: str
    built: Optional[int] = None


@dataclass
class City:
    """A city and what to see there."""

    name: str
    population: int
    size: Size
    landmarks: List[Landmark]


class Pet(TypedDict):
    name: str
    legs: int


class Order(msgspec.Struct):
    items: List[str]
    paid: bool


@dataclass
class Tree:
    label: str
    children: List[Tree]


OSLO = {
    "name": "Oslo",
    "population": 709000,
    "size": "large",
    "landmarks": [{"name": "Opera House", "built": 2008}],
}


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(fake: FakeMeganova, flavour: str, method: str, **kwargs: Any) -> Any:
    """``client.chat.completions.<method>`` (``chat.parse`` for ``"chat.parse"``) on the
    flavour's client; a stream is read to its end: (the chunks, the final response)."""
    kwargs.setdefault("messages", USER)
    kwargs.setdefault("model", MODEL)

    def target(client: Any) -> Any:
        if method == "chat.parse":
            return client.chat.parse
        return getattr(client.chat.completions, method)

    if flavour == "sync":
        with fake.client() as client:
            result = target(client)(**kwargs)
            if method != "stream":
                return result
            with result as stream:
                chunks = list(stream)
                return chunks, stream.get_final_response()

    async def run() -> Any:
        async with fake.async_client() as client:
            result = await target(client)(**kwargs)
            if method != "stream":
                return result
            async with result as stream:
                chunks = [chunk async for chunk in stream]
                return chunks, await stream.get_final_response()

    return asyncio.run(run())


def parse(fake: FakeMeganova, flavour: str, **kwargs: Any) -> Any:
    return call(fake, flavour, "parse", **kwargs)


def stream(fake: FakeMeganova, flavour: str, **kwargs: Any) -> Tuple[List[Any], Any]:
    result: Tuple[List[Any], Any] = call(fake, flavour, "stream", **kwargs)
    return result


# -- the request and the typed reply ---------------------------------------------------


def test_parse_sends_the_strict_schema_and_returns_the_type(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text(json.dumps(OSLO)))
    resp = parse(fake, flavour, response_format=City, temperature=0.2)
    assert isinstance(resp, ParsedChatResponse)
    city = resp.choices[0].message.parsed
    assert city == City("Oslo", 709000, Size.LARGE, [Landmark("Opera House", 2008)])
    assert resp.parsed is city and resp.text == json.dumps(OSLO)
    sent = fake.last_request.json
    assert sent["temperature"] == 0.2
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "City", "schema": json_schema(City).schema, "strict": True},
    }
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "population", "size", "landmarks"]


@pytest.mark.parametrize(
    ("type_", "content", "expected"),
    [
        (Pet, '{"name": "Rex", "legs": 4}', {"name": "Rex", "legs": 4}),
        (Order, '{"items": ["pen"], "paid": true}', Order(["pen"], True)),
    ],
)
def test_typeddict_and_struct_replies(
    flavour: str, type_: Any, content: str, expected: Any
) -> None:
    fake = FakeMeganova()
    fake.script(Text(content))
    assert parse(fake, flavour, response_format=type_).parsed == expected


def test_pydantic_models(flavour: str) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Person(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        name: str
        age: Optional[int] = None

    fake = FakeMeganova()
    fake.script(Text('{"name": "Ada", "age": 36}'))
    person = parse(fake, flavour, response_format=Person).parsed
    assert isinstance(person, Person) and person.age == 36
    sent = fake.last_request.json["response_format"]["json_schema"]
    assert sent["name"] == "Person" and sent["strict"] is True
    assert sent["schema"]["required"] == ["name", "age"]


def test_chat_parse_is_the_same_call(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text('{"name": "Rex", "legs": 3}'))
    resp = call(fake, flavour, "chat.parse", response_format=Pet)
    assert resp.parsed == {"name": "Rex", "legs": 3}
    assert fake.last_request.json["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize("type_", [City, Pet, Order, Tree])
def test_the_fake_answers_unscripted_calls_with_json_fitting_the_schema(
    flavour: str, type_: Any
) -> None:
    fake = FakeMeganova()
    value = parse(fake, flavour, response_format=type_).parsed
    assert value is not None
    assert convert(msgspec.to_builtins(value), type_) == value
    _, final = stream(fake, flavour, response_format=type_)
    assert final.parsed == value


def test_a_type_strict_mode_cannot_express_is_sent_non_strict_and_still_parsed(
    flavour: str,
) -> None:
    @dataclass
    class Scores:
        by_name: Dict[str, int]

    fake = FakeMeganova()
    fake.script(Text('{"by_name": {"ada": 3}}'))
    assert parse(fake, flavour, response_format=Scores).parsed == Scores({"ada": 3})
    assert fake.last_request.json["response_format"]["json_schema"]["strict"] is False


def test_a_turn_that_only_calls_tools_has_no_parsed_value(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(ToolCall("lookup", {"city": "Oslo"}))
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    resp = parse(fake, flavour, response_format=City, tools=[tool])
    message = resp.choices[0].message
    assert message.parsed is None and message.tool_calls[0].function.name == "lookup"


def test_a_parsed_message_goes_back_into_the_conversation_without_parsed(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text('{"name": "Rex", "legs": 4}'), Text("ok"))
    message = parse(fake, flavour, response_format=Pet).choices[0].message
    call(fake, flavour, "create", messages=[*USER, message, {"role": "user", "content": "More"}])
    sent = fake.last_request.json["messages"][1]
    assert sent == {"role": "assistant", "content": '{"name": "Rex", "legs": 4}'}


# -- replies that cannot give the type ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"name": "Rex", "legs": "four"}', "$.legs"),
        ('{"name": "Rex"}', "legs"),
        ("Rex has four legs", "JSON"),
        ("", "empty"),
        ("  ", "empty"),
    ],
)
def test_a_reply_that_does_not_fit_raises_with_the_raw_text(
    flavour: str, content: str, fragment: str
) -> None:
    fake = FakeMeganova()
    fake.script(Text(content))
    with pytest.raises(OutputValidationError) as info:
        parse(fake, flavour, response_format=Pet)
    error = info.value
    assert error.content == content
    assert fragment in error.validation_message and fragment in str(error)
    assert isinstance(error, StructuredOutputError) and isinstance(error, SchemaValidationError)
    assert error.response.choices[0].message.content == content
    assert error.request_id is not None and error.request_id == error.response.request_id


def test_a_refusal_raises_refusal_error(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Refusal("I can't share that."), Refusal("No."))
    with pytest.raises(RefusalError) as info:
        parse(fake, flavour, response_format=City)
    assert info.value.refusal == "I can't share that."
    assert info.value.response.choices[0].message.refusal == "I can't share that."
    with pytest.raises(RefusalError, match=r"No\."):
        stream(fake, flavour, response_format=City)


@pytest.mark.parametrize(
    ("finish", "error"),
    [("length", LengthFinishReasonError), ("content_filter", ContentFilterFinishReasonError)],
)
def test_a_reply_cut_short_raises_its_finish_reason_error(
    flavour: str, finish: str, error: type
) -> None:
    fake = FakeMeganova()
    fake.script(Text('{"name": "Re', finish_reason=finish), Text('{"na', finish_reason=finish))
    with pytest.raises(error) as info:
        parse(fake, flavour, response_format=Pet)
    assert info.value.response.choices[0].finish_reason == finish
    with pytest.raises(error):
        stream(fake, flavour, response_format=Pet)


def test_max_tokens_on_an_unscripted_call_ends_in_length_error(flavour: str) -> None:
    fake = FakeMeganova()
    with pytest.raises(LengthFinishReasonError) as info:
        parse(fake, flavour, response_format=City, max_tokens=2)
    assert info.value.content  # the JSON so far


def test_structured_output_errors_pickle_with_what_they_carry() -> None:
    fake = FakeMeganova()
    fake.script(Text('{"legs": 1}'))
    with pytest.raises(OutputValidationError) as info:
        parse(fake, "sync", response_format=Pet)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is OutputValidationError
    assert (copy.content, copy.validation_message) == ('{"legs": 1}', info.value.validation_message)
    refused = pickle.loads(pickle.dumps(RefusalError("no", refusal="no")))
    assert refused.refusal == "no" and refused.code == "refusal"


def test_errors_are_exported_from_the_package_and_errors_module() -> None:
    for name in (
        "StructuredOutputError",
        "OutputValidationError",
        "RefusalError",
        "LengthFinishReasonError",
        "ContentFilterFinishReasonError",
        "SchemaValidationError",
    ):
        assert getattr(meganova, name) is getattr(meganova.errors, name)
        assert issubclass(getattr(meganova, name), MeganovaError)


# -- streams ---------------------------------------------------------------------------


def test_stream_yields_chunks_and_its_final_response_is_parsed(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text(json.dumps(OSLO)))
    chunks, final = stream(fake, flavour, response_format=City)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == json.dumps(OSLO)
    assert final.choices[0].message.parsed.landmarks == [Landmark("Opera House", 2008)]
    assert fake.last_request.json["stream"] is True
    assert fake.last_request.json["response_format"]["json_schema"]["name"] == "City"


def test_stream_without_a_type_sends_a_dict_as_is_and_parses_nothing(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text('{"a": 1}'), Text("plain"))
    fmt = {"type": "json_object"}
    _, final = stream(fake, flavour, response_format=fmt)
    assert fake.last_request.json["response_format"] == fmt
    assert isinstance(final, ParsedChatResponse) and final.parsed is None
    _, final = stream(fake, flavour)
    assert "response_format" not in fake.last_request.json and final.text == "plain"


def test_sync_stream_helpers() -> None:
    fake = FakeMeganova()
    fake.script(Text('{"name": "Rex", "legs": 4}'))
    client = fake.client()
    with client.chat.completions.stream(messages=USER, model=MODEL, response_format=Pet) as s:
        assert s.until_done() is s
        assert s.get_final_completion().parsed == {"name": "Rex", "legs": 4}
        assert "ParsedChatCompletionStream" in repr(s)


# -- bad input: refused before anything is sent ---------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"response_format": {"type": "json_object"}}, InvalidArgumentTypeError, "response_format"),
        ({"response_format": None}, InvalidArgumentError, "response_format"),
        ({"response_format": object}, InvalidArgumentTypeError, "response_format"),
        ({"response_format": Pet, "stream": True}, InvalidArgumentError, "stream"),
        ({"response_format": Pet, "messages": []}, InvalidArgumentError, "messages"),
    ],
)
def test_bad_input_fails_before_any_request(
    flavour: str, kwargs: Dict[str, Any], error: type, argument: str
) -> None:
    fake = FakeMeganova()
    with pytest.raises(error) as info:
        parse(fake, flavour, **kwargs)
    assert info.value.argument == argument  # type: ignore[attr-defined]
    assert fake.requests == []


def test_stream_refuses_a_type_it_cannot_describe(flavour: str) -> None:
    fake = FakeMeganova()
    with pytest.raises(InvalidArgumentTypeError, match="response_format"):
        stream(fake, flavour, response_format=Callable)
    assert fake.requests == []


# -- the fake's example generator -----------------------------------------------------


@given(ROOTS)
def test_the_fakes_example_fits_every_generated_type(shape: Any) -> None:
    type_ = shape[0]
    for strict in (True, False):
        schema = json_schema(type_, strict=strict).schema
        convert(example_for(schema), type_)  # raises when it does not fit


def test_a_refusal_sent_with_text_in_one_chunk_is_kept() -> None:
    # The accumulator's short way for plain text took this chunk and lost the refusal.
    from meganova.core.accumulate import accumulate
    from meganova.core.models.chat import ChatCompletionChunk

    def chunk(**delta: Any) -> ChatCompletionChunk:
        wire = {"id": "c", "model": "m", "created": 1, "choices": [{"index": 0, "delta": delta}]}
        return msgspec.convert(wire, ChatCompletionChunk)

    chunks = [
        chunk(role="assistant", content=""),
        chunk(content="", refusal="No"),
        chunk(refusal="."),
    ]
    assert accumulate(chunks).choices[0].message.refusal == "No."


@pytest.mark.parametrize("method", ["completions.create", "create", "stream"])
def test_a_type_given_to_create_points_to_parse(flavour: str, method: str) -> None:
    fake = FakeMeganova()

    def target(client: Any) -> Any:
        owner = client.chat.completions if method.startswith("completions.") else client.chat
        return getattr(owner, method.rsplit(".", 1)[-1])

    kwargs = {"messages": USER, "model": MODEL, "response_format": Pet}
    with pytest.raises(InvalidArgumentTypeError, match=r"chat\.completions\.parse") as info:
        if flavour == "sync":
            target(fake.client())(**kwargs)
        else:
            asyncio.run(target(fake.async_client())(**kwargs))
    assert info.value.argument == "response_format"
    assert fake.requests == []


def test_a_parsed_reply_and_its_errors_carry_the_replys_metadata(flavour: str) -> None:
    fake = FakeMeganova()
    fake.script(Text('{"name": "Rex", "legs": 4}'), Text('{"name": 1}'))
    info = meganova.response_info(parse(fake, flavour, response_format=Pet))
    assert info is not None and info.status == 200
    with pytest.raises(OutputValidationError) as caught:
        parse(fake, flavour, response_format=Pet)
    error_info = meganova.response_info(caught.value)
    assert error_info is not None and error_info.status == 200
