"""Embeddings, rerank, images and audio against a fake transport."""

from __future__ import annotations

import base64
import io
import json
import struct
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.http import Request
from meganova.errors import (
    APIResponseValidationError,
    GenerationFailedError,
    InternalServerError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    MeganovaError,
    NotFoundError,
)
from tests.clock import VirtualClock


def make(*replies: FakeResponse, max_retries: int = 2) -> tuple[MegaNova, FakeTransport]:
    transport = FakeTransport(replies=replies)
    client = MegaNova(
        api_key="sk-test", transport=transport, clock=VirtualClock(), max_retries=max_retries
    )
    return client, transport


def sent(transport: FakeTransport, n: int = -1) -> dict:  # type: ignore[type-arg]
    body = transport.requests[n].body
    assert body is not None
    return json.loads(body)  # type: ignore[no-any-return]


def parse_form(request: Request) -> dict[str, tuple[str | None, str | None, bytes]]:
    """name -> (filename, content type, payload), via the stdlib MIME parser."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + (request.body or b""))
    out = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        out[part.get_param("name", header="content-disposition")] = (
            part.get_filename(),
            part.get_content_type() if part.get_filename() else None,
            payload,
        )
    return out  # type: ignore[return-value]


# -- embeddings --------------------------------------------------------------------------


def test_embeddings_float_and_base64() -> None:
    vector = [0.25, -1.5, 3.0]
    b64 = base64.b64encode(struct.pack("<3f", *vector)).decode()
    client, transport = make(
        FakeResponse.json(
            {
                "object": "list",
                "model": "m",
                "data": [{"object": "embedding", "index": 0, "embedding": vector}],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            },
            headers={"x-request-id": "e1"},
        ),
        FakeResponse.json(
            {
                "model": "m",
                "data": [{"index": 1, "embedding": b64}, {"index": 0, "embedding": vector}],
            }
        ),
    )
    r = client.embeddings.create("hello", "m", extra_body={"dimensions": 3})
    assert sent(transport) == {"input": "hello", "model": "m", "dimensions": 3}
    assert transport.requests[0].url.endswith("/v1/embeddings")
    assert r.data[0].embedding == vector and r.request_id == "e1" and r.usage.total_tokens == 3
    r = client.embeddings.create(["a", "b"], model="m", encoding_format="base64")
    assert sent(transport)["encoding_format"] == "base64"
    assert r.data[0].embedding == vector and r.data[0].embedding_base64 == b64
    assert r.embeddings == [vector, vector]


def test_embeddings_bad_base64_is_a_typed_error() -> None:
    client, _ = make(FakeResponse.json({"data": [{"embedding": "!!notb64"}]}))
    with pytest.raises(APIResponseValidationError):
        client.embeddings.create("x", "m", encoding_format="base64")


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("", "m"), "input"),
        (([], "m"), "input"),
        ((["a", 1], "m"), "input"),
        ((5, "m"), "input"),
        (("a", ""), "model"),
        (("a", "m", "int8"), "encoding_format"),
    ],
)
def test_embeddings_validation(args: tuple, argument: str) -> None:  # type: ignore[type-arg]
    client, transport = make()
    with pytest.raises(InvalidArgumentError) as info:
        client.embeddings.create(*args)
    assert info.value.argument == argument and not transport.requests


# -- rerank ------------------------------------------------------------------------------


def test_rerank() -> None:
    client, transport = make(
        FakeResponse.json(
            {
                "model": "r",
                "results": [
                    {"index": 1, "relevance_score": 0.9, "document": "b"},
                    {"index": 0, "relevance_score": 0.1, "document": {"text": "a"}},
                ],
            },
            headers={"x-request-id": "rr"},
        )
    )
    r = client.rerank.create(query="q", documents=["a", {"text": "b"}], model="r", top_n=2)
    assert sent(transport) == {
        "query": "q",
        "documents": ["a", {"text": "b"}],
        "model": "r",
        "top_n": 2,
        "return_documents": True,
    }
    assert [x.index for x in r.results] == [1, 0] and r.request_id == "rr"
    assert r.results[1].document == {"text": "a"}
    for kwargs, argument in [
        ({"documents": []}, "documents"),
        ({"documents": "ab"}, "documents"),
        ({"documents": [1]}, "documents"),
        ({"top_n": 0}, "top_n"),
        ({"query": ""}, "query"),
    ]:
        args = {"query": "q", "documents": ["a"], "model": "r", **kwargs}
        with pytest.raises(InvalidArgumentError) as info:
            client.rerank.create(**args)
        assert info.value.argument == argument
    assert len(transport.requests) == 1


# -- images ------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\nfake"
NATIVE_REPLY = {
    "model": "black-forest-labs/FLUX.1-dev",
    "object": "list",
    "data": [
        {"index": 0, "b64_json": base64.b64encode(PNG).decode(), "timings": {"inference": 4.8}}
    ],
    "message": "Image generated successfully",
    "status": "success",
}


def test_images_native_body_bytes_and_save(tmp_path: Path) -> None:
    client, transport = make(FakeResponse.json(NATIVE_REPLY, headers={"x-request-id": "i1"}))
    result = client.images.generate(
        "a cat",
        "black-forest-labs/FLUX.1-dev",
        size="1024x768",
        num_steps=4,
        guidance_scale=3.5,
        seed=7,
    )
    assert transport.requests[0].url.endswith("/v1/images/generation")
    assert sent(transport) == {
        "model": "black-forest-labs/FLUX.1-dev",
        "prompt": "a cat",
        "width": 1024,
        "height": 768,
        "num_steps": 4,
        "guidance_scale": 3.5,
        "seed": 7,
    }
    assert result.request_id == "i1" and result.data[0].to_bytes() == PNG
    assert result.save(tmp_path / "cat.png").read_bytes() == PNG
    assert result.data[0].save(str(tmp_path / "c2.png")).read_bytes() == PNG


def test_images_fall_back_to_openai_style_on_404_and_remember() -> None:
    openai_reply = {
        "created": 1,
        "data": [{"url": "https://cdn.example/x.png", "revised_prompt": "a cat, photo"}],
    }
    client, transport = make(
        FakeResponse.json({"error": "not found"}, status=404),
        FakeResponse.json(openai_reply),
        FakeResponse.json(openai_reply),
    )
    r = client.images.generate("a cat", "m", width=512, height=512, response_format="url")
    assert [urlpath(q) for q in transport.requests] == [
        "/v1/images/generation",
        "/v1/images/generations",
    ]
    assert sent(transport) == {
        "model": "m",
        "prompt": "a cat",
        "n": 1,
        "size": "512x512",
        "response_format": "url",
    }
    assert r.data[0].url == "https://cdn.example/x.png"
    with pytest.raises(MeganovaError, match="b64_json"):
        r.data[0].to_bytes()
    client.images.generate("again", "m")
    assert urlpath(transport.requests[-1]) == "/v1/images/generations"


def test_images_both_paths_404_raise_the_first() -> None:
    client, _ = make(
        FakeResponse.json({"error": "native"}, status=404),
        FakeResponse.json({"error": "openai"}, status=404),
    )
    with pytest.raises(NotFoundError, match="native"):
        client.images.generate("p", "m")


def test_images_failure_in_a_200_reply() -> None:
    client, _ = make(FakeResponse.json({"data": [], "message": "NSFW content", "status": "failed"}))
    with pytest.raises(GenerationFailedError) as info:
        client.images.generate("p", "m")
    assert info.value.reason == "NSFW content"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"size": "big"}, "size"),
        ({"size": "10x10", "width": 11}, "size"),
        ({"width": 5}, "height"),
        ({"n": 0}, "n"),
        ({"response_format": "png"}, "response_format"),
        ({"seed": 1.5}, "seed"),
        ({"prompt": ""}, "prompt"),
        ({"guidance_scale": "high"}, "guidance_scale"),
    ],
)
def test_images_validation(kwargs: dict, argument: str) -> None:  # type: ignore[type-arg]
    client, transport = make()
    args = {"prompt": "p", "model": "m", **kwargs}
    with pytest.raises(InvalidArgumentError) as info:
        client.images.generate(**args)
    assert info.value.argument == argument and not transport.requests


def urlpath(request: Request) -> str:
    from urllib.parse import urlsplit

    return urlsplit(request.url).path


# -- audio -------------------------------------------------------------------------------

AUDIO = bytes(range(256)) * 40


def test_transcribe_path_bytes_and_file_object(tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    path.write_bytes(AUDIO)
    reply = FakeResponse.json({"text": "hello", "language": "en"}, headers={"x-request-id": "a1"})
    client, transport = make(
        reply, FakeResponse.json({"text": "b"}), FakeResponse.json({"text": "c"})
    )
    r = client.audio.transcribe(path)
    assert r.text == "hello" and r.language == "en" and r.request_id == "a1"
    form = parse_form(transport.requests[0])
    assert form["file"] == ("talk.wav", "audio/wav", AUDIO)
    assert form["model"][2] == b"Systran/faster-whisper-large-v3"
    client.audio.transcribe(
        AUDIO, model="whisper", filename="x.mp3", extra_body={"language": "vi", "temperature": 0}
    )
    form = parse_form(transport.requests[1])
    assert form["file"] == ("x.mp3", "audio/mpeg", AUDIO)
    assert form["language"][2] == b"vi" and form["temperature"][2] == b"0"
    assert form["model"][2] == b"whisper"
    handle = io.BytesIO(AUDIO)
    handle.name = "/some/dir/clip.m4a"  # type: ignore[attr-defined]
    client.audio.transcribe(handle, content_type="audio/x-custom")
    assert parse_form(transport.requests[2])["file"] == ("clip.m4a", "audio/x-custom", AUDIO)


def test_transcribe_retry_resends_the_whole_file() -> None:
    client, transport = make(
        FakeResponse.json({"error": "busy"}, status=503), FakeResponse.json({"text": "ok"})
    )
    handle = io.BytesIO(AUDIO)
    assert client.audio.transcribe(handle, filename="a.ogg").text == "ok"
    first, second = transport.requests
    assert first.body == second.body
    assert parse_form(second)["file"][2] == AUDIO


def test_transcribe_validation(tmp_path: Path) -> None:
    client, transport = make(max_retries=0)
    cases = [
        ((b"",), {}, InvalidArgumentError),
        ((io.StringIO("text"),), {}, InvalidArgumentTypeError),
        ((123,), {}, InvalidArgumentTypeError),
        ((tmp_path / "missing.mp3",), {}, InvalidArgumentError),
        ((AUDIO,), {"model": ""}, InvalidArgumentError),
    ]
    for args, kwargs, error in cases:
        with pytest.raises(error):
            client.audio.transcribe(*args, **kwargs)
    assert not transport.requests


def test_transcribe_server_error_is_typed() -> None:
    client, _ = make(FakeResponse.json({"error": {"message": "down"}}, status=500), max_retries=0)
    with pytest.raises(InternalServerError):
        client.audio.transcribe(AUDIO)
