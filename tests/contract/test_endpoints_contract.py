"""Every endpoint method against a real local HTTP server (pytest-httpserver), once per
real transport. A small router answers from per-(method, path) queues and records what
the server received; the client runs on a virtual clock, so retries and polling are instant.
Also runs the guideline's examples of sections 5, 6 and 10.3 as written."""

from __future__ import annotations

import base64
import json
import re
import struct
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, Union

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WRequest
from werkzeug import Response as WResponse

from meganova import MegaNova
from meganova.errors import (
    GenerationFailedError,
    GenerationTimeoutError,
    InvalidArgumentError,
    NotFoundError,
)
from meganova.testing import endpoints
from tests.clock import VirtualClock

Handler = Callable[[WRequest], Union[WResponse, Tuple[int, Any]]]


@dataclass
class Seen:
    method: str
    path: str
    args: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes
    files: Dict[str, Tuple[Optional[str], Optional[str], bytes]]
    form: Dict[str, str]


class Router:
    def __init__(self) -> None:
        self.queues: Dict[Tuple[str, str], Deque[Union[Handler, Tuple[int, Any]]]] = defaultdict(
            deque
        )
        self.seen: List[Seen] = []

    def on(
        self,
        method: str,
        path: str,
        *replies: Any,
        status: int = 200,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        for reply in replies:
            self.queues[(method, path)].append(
                reply if callable(reply) else (status, reply, headers or {})
            )

    def __call__(self, request: WRequest) -> WResponse:
        files = {name: (f.filename, f.mimetype, f.read()) for name, f in request.files.items()}
        self.seen.append(
            Seen(
                request.method,
                request.path,
                request.args.to_dict(flat=False),
                dict(request.headers),
                request.get_data(),
                files,
                request.form.to_dict(),
            )
        )
        queue = self.queues.get((request.method, request.path))
        if not queue:
            return WResponse(
                json.dumps({"error": {"message": "no route"}}), 404, content_type="application/json"
            )
        reply = queue.popleft() if len(queue) > 1 else queue[0]
        if callable(reply):
            reply = reply(request)
            if isinstance(reply, WResponse):
                return reply
            reply = (*reply, {}) if len(reply) == 2 else reply
        status, body, headers = reply
        text = body if isinstance(body, str) else json.dumps(body)
        return WResponse(text, status, headers=headers, content_type="application/json")

    def paths(self) -> List[str]:
        return [f"{s.method} {s.path}" for s in self.seen]


@pytest.fixture
def router(httpserver: HTTPServer) -> Iterator[Router]:
    r = Router()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(r)
    yield r


@pytest.fixture
def transport(real_transport: str) -> str:
    return real_transport


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def client(
    httpserver: HTTPServer, router: Router, transport: str, clock: VirtualClock
) -> Iterator[MegaNova]:
    c = MegaNova(
        api_key="sk-test", base_url=httpserver.url_for("/v1"), transport=transport, clock=clock
    )
    yield c
    c.close()


RID = {"x-request-id": "req-123"}
MANTA = {
    "id": "meganova-ai/manta-flash-1.0",
    "object": "model",
    "owned_by": "meganova",
    "name": "Manta Flash 1.0",
    "created": 1764547200,
    "context_length": 32768,
    "tags": ["chat"],
    "default": True,
    "pricing": {"prompt": "0", "completion": 0.25},
    "architecture": {"modality": "text->text"},
    "capabilities": {"chat": True},
}
ODD = {
    "id": "odd/model",
    "name": 17,
    "context_length": "a lot",
    "tags": [1, {"x": 2}],
    "pricing": "free",
    "capabilities": ["chat"],
    "created": 1.5e30,
    "default": "maybe",
    "description": "kept",
}


# -- models --------------------------------------------------------------------------------


def test_models_list_survives_unexpected_field_types(client: MegaNova, router: Router) -> None:
    router.on("GET", "/v1/models", {"object": "list", "data": [MANTA, ODD]}, headers=RID)
    models = client.models.list()
    assert [m.id for m in models] == ["meganova-ai/manta-flash-1.0", "odd/model"]
    assert models.request_id == "req-123" and models[1].description == "kept"
    assert models[1].context_length is None and models[0].pricing is not None
    assert models[0].pricing.completion_tokens_per_1k == 250.0
    seen = router.seen[0]
    assert seen.headers["Authorization"] == "Bearer sk-test" and seen.args == {}


def test_models_get_with_slash_in_id_and_fallback(client: MegaNova, router: Router) -> None:
    router.on("GET", "/v1/models/meganova-ai/manta-flash-1.0", MANTA, headers=RID)
    router.on("GET", "/v1/models", {"data": [MANTA, {"id": "Qwen/Qwen3-235B-A22B-Instruct-2507"}]})
    m = client.models.get("meganova-ai/manta-flash-1.0")
    assert m.id == MANTA["id"] and m.request_id == "req-123"
    # no /models/{id} route for this one: found through the list instead
    assert client.models.get("Qwen/Qwen3-235B-A22B-Instruct-2507").id.startswith("Qwen/")
    with pytest.raises(NotFoundError):
        client.models.get("nobody/nothing")


def test_per_call_options_reach_the_wire(client: MegaNova, router: Router) -> None:
    router.on("GET", "/v1/models", {"data": [MANTA]})
    client.models.list(timeout=5, extra_headers={"X-Trace": "t1"}, extra_query={"probe": "1"})
    seen = router.seen[0]
    assert seen.headers["X-Trace"] == "t1" and seen.args == {"probe": ["1"]}


# -- usage, billing, serverless: envelope and non-envelope shapes ---------------------------


def test_usage_summary_envelope_and_bare(client: MegaNova, router: Router) -> None:
    router.on(
        "GET",
        "/v1/usage/time_range",
        {
            "data": [{"date": "2025-11-01", "cost": 1.5, "extra": True}],
            "message": "ok",
            "status": "success",
        },
        [{"date": "2025-11-02", "cost": 2}],
        headers=RID,
    )
    s = client.usage.summary(
        from_="2025-11-01T00:00:00Z", to="2025-11-30T23:59:59Z", group_by="user", team_id=7
    )
    assert router.seen[0].args == {
        "start_time": ["2025-11-01 00:00:00"],
        "end_time": ["2025-11-30 23:59:59"],
        "group_by": ["user"],
        "team_id": ["7"],
    }
    assert s.rows[0].cost == 1.5 and s.rows[0].raw["extra"] is True
    assert s.status == "success" and s.request_id == "req-123"
    bare = client.usage.summary(from_="2025-11-02", to="2025-11-03")
    assert bare.rows[0].cost == 2 and bare.request_id == "req-123"


def test_billing_balance_and_instances(client: MegaNova, router: Router) -> None:
    router.on(
        "GET",
        "/api/v1/users/credits",
        {"data": {"available_balance": "12.5"}, "message": "ok", "status": "success"},
        headers=RID,
    )
    router.on(
        "GET",
        "/v1/billing/user-instance-billings",
        endpoints.billing(),
    )
    b = client.billing.get_balance()
    assert (b.balance, b.status, b.request_id) == (12.5, "success", "req-123")
    inst = client.billing.get_user_instance_billings()
    assert inst.total_cost == 5.5 and inst.data[0].product_status == "running"


def test_serverless_catalogue_on_the_platform_base(client: MegaNova, router: Router) -> None:
    path = "/api/v1/serverless/models/filter"
    router.on(
        "GET",
        path,
        {
            "data": {
                "count": 1,
                "models": [{"model_name": "a/b", "tier2+_require": True, "input_price": "0.2"}],
            },
            "message": "ok",
            "status": "success",
        },
        {"models": [{"model_name": "c/d"}], "count": 1},
    )
    cat = client.serverless.list_models(modality="text_generation", model_family=["Qwen", "Manta"])
    assert router.seen[0].args == {"modality": ["text_generation"], "model_family": ["Qwen,Manta"]}
    assert cat.models[0].tier2_required is True and cat.models[0].input_price == 0.2
    assert client.serverless.list_models(search="c").models[0].id == "c/d"


# -- embeddings, rerank, images -----------------------------------------------------------


def test_embeddings_and_rerank(client: MegaNova, router: Router) -> None:
    b64 = base64.b64encode(struct.pack("<2f", 0.5, -2.0)).decode()
    router.on(
        "POST",
        "/v1/embeddings",
        {
            "object": "list",
            "model": "e",
            "data": [{"index": 0, "embedding": b64}],
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
        },
        headers=RID,
    )
    router.on(
        "POST",
        "/v1/rerank",
        {
            "model": "r",
            "results": [
                {"index": 1, "relevance_score": 0.94, "document": "Refunds within 30 days."}
            ],
        },
    )
    e = client.embeddings.create(["hi"], "e", encoding_format="base64")
    assert e.data[0].embedding == [0.5, -2.0] and e.request_id == "req-123"
    assert json.loads(router.seen[0].body)["encoding_format"] == "base64"
    r = client.rerank.create(query="refund?", documents=["office", "refunds"], model="r", top_n=1)
    assert r.results[0].index == 1
    assert json.loads(router.seen[1].body)["top_n"] == 1


def test_images_generate_and_save(client: MegaNova, router: Router, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    router.on(
        "POST",
        "/v1/images/generation",
        {
            "model": "f",
            "object": "list",
            "status": "success",
            "message": "done",
            "data": [
                {
                    "index": 0,
                    "b64_json": base64.b64encode(png).decode(),
                    "timings": {"inference": 4.8},
                }
            ],
        },
        headers=RID,
    )
    result = client.images.generate(
        "a lighthouse", "f", width=640, height=480, num_steps=4, extra_body={"custom": 1}
    )
    assert json.loads(router.seen[0].body) == {
        "model": "f",
        "prompt": "a lighthouse",
        "width": 640,
        "height": 480,
        "num_steps": 4,
        "custom": 1,
    }
    assert result.save(tmp_path / "out.png").read_bytes() == png
    assert result.request_id == "req-123"


# -- audio: multipart upload retried after a 503 -------------------------------------------

AUDIO = bytes(range(256)) * 300  # 76.8 kB


def test_multipart_upload_retried_after_503_sends_the_whole_file(
    client: MegaNova, router: Router, clock: VirtualClock, tmp_path: Path
) -> None:
    arrivals: List[bytes] = []

    def check(status: int) -> Handler:
        def handle(request: WRequest) -> Tuple[int, Any]:
            arrivals.append(router.seen[-1].files["file"][2])  # as the server parsed it
            assert request.form["model"] == "Systran/faster-whisper-large-v3"
            return status, (
                {"error": {"message": "busy"}}
                if status == 503
                else {"text": "hello world", "duration": 1.5}
            )

        return handle

    router.on("POST", "/v1/audio/transcriptions", check(503), check(200))
    path = tmp_path / "speech.mp3"
    path.write_bytes(AUDIO)
    with open(path, "rb") as handle:
        result = client.audio.transcribe(handle)
    assert result.text == "hello world" and result.duration == 1.5
    assert arrivals == [AUDIO, AUDIO]  # the full file, twice
    assert router.seen[1].files["file"][:2] == ("speech.mp3", "audio/mpeg")
    assert len(clock.sleeps) == 1  # one backoff, on the virtual clock


# -- videos ------------------------------------------------------------------------------


def video(status: str, **extra: Any) -> Dict[str, Any]:
    return {
        "id": "vid_1",
        "object": "video.generation",
        "created_at": 1767225600,
        "status": status,
        "model": "google/veo-3.1-fast",
        **extra,
    }


def test_video_queued_running_completed(
    client: MegaNova, router: Router, clock: VirtualClock
) -> None:
    router.on("POST", "/v1/videos/generations", video("queued"))
    router.on(
        "GET",
        "/v1/videos/generations/vid_1",
        video("running"),
        video("running"),
        video("completed", url="https://cdn.example/vid_1.mp4"),
    )
    job = client.videos.generate("waves at dusk", "google/veo-3.1-fast")
    assert job.status == "queued"
    done = client.videos.wait(job, poll_interval=3)
    assert done.url == "https://cdn.example/vid_1.mp4" and clock.sleeps == [3, 3, 3]
    assert (
        router.paths() == ["POST /v1/videos/generations"] + ["GET /v1/videos/generations/vid_1"] * 3
    )


def test_video_that_fails(client: MegaNova, router: Router) -> None:
    router.on("POST", "/v1/videos/generations", video("queued"))
    router.on(
        "GET",
        "/v1/videos/generations/vid_1",
        video("failed", error={"message": "NSFW content detected"}),
    )
    with pytest.raises(GenerationFailedError) as info:
        client.videos.generate("x", "m", wait=True, poll_interval=1)
    assert info.value.reason == "NSFW content detected" and info.value.job_id == "vid_1"


def test_video_that_outlives_its_deadline(
    client: MegaNova, router: Router, clock: VirtualClock
) -> None:
    router.on("GET", "/v1/videos/generations/vid_1", video("processing"))
    assert client.videos.get("vid_1").status == "processing"
    with pytest.raises(GenerationTimeoutError) as info:
        client.videos.wait("vid_1", poll_interval=10, wait_timeout=25)
    assert clock.sleeps == [10, 10, 5] and clock.now == 25 and info.value.job.status == "processing"


def test_video_native_and_supported_models(client: MegaNova, router: Router) -> None:
    router.on("POST", "/v1/videos/generation", {"status": "success", "data": {"url": "u"}})
    router.on("GET", "/v1/videos/models/supported_models", {"data": ["Byteplus/seedance"]})
    assert client.videos.generate_native("Byteplus/seedance", "waves").data == {"url": "u"}
    assert client.videos.supported_models().model_names == ["Byteplus/seedance"]


def test_validation_errors_send_nothing(client: MegaNova, router: Router) -> None:
    with pytest.raises(InvalidArgumentError):
        client.usage.summary(from_="2025-12-01", to="2025-11-01")
    with pytest.raises(InvalidArgumentError):
        client.audio.transcribe(b"")
    assert router.seen == []


# -- the guideline's examples, as written ----------------------------------------------------


def test_guideline_examples_sections_5_6_and_10_3(
    httpserver: HTTPServer, router: Router, transport: str, capsys: pytest.CaptureFixture[str]
) -> None:
    router.on("GET", "/v1/models", {"data": [MANTA, ODD]})
    router.on("GET", "/v1/usage/time_range", {"data": [], "message": "ok", "status": "success"})
    router.on(
        "GET",
        "/api/v1/users/credits",
        {
            "data": {"available_balance": "1228.556", "currency": "USD"},
            "message": "ok",
            "status": "success",
        },
    )
    client = MegaNova(
        api_key="YOUR_API_KEY", base_url=httpserver.url_for("/v1"), transport=transport
    )

    # 5. Models List
    for m in client.models.list():
        print(m.id, m.name, m.context_length, m.pricing)

    # 6.1 Usage summary
    summary = client.usage.summary(
        from_="2025-11-01T00:00:00Z",
        to="2025-11-30T23:59:59Z",
        group_by="user",
    )

    # 6.2 Balance
    balance = client.billing.get_balance()
    print(balance.balance, balance.currency, balance.status)

    # 10.3 Models & usage
    models = client.models.list()
    for m in models:
        print(m.id, m.modalities, m.context_length)

    balance = client.billing.get_balance()
    print("Balance:", balance.balance, balance.currency)

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("meganova-ai/manta-flash-1.0 Manta Flash 1.0 32768 ModelPricing(")
    assert out[1].startswith("odd/model None None")
    assert out[2] == "1228.556 USD success"
    # modalities derived from architecture.modality ("text->text"), as 10.3 prints them
    assert out[3:5] == ["meganova-ai/manta-flash-1.0 ['text'] 32768", "odd/model None None"]
    assert out[5] == "Balance: 1228.556 USD"
    assert summary.status == "success" and summary.rows == []
    assert router.seen[1].args["group_by"] == ["user"]
    client.close()
