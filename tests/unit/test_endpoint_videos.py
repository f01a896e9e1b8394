"""Video jobs: create, get, wait (poll interval, deadline on a virtual clock), native variant."""

from __future__ import annotations

import json

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.errors import (
    APIResponseValidationError,
    GenerationFailedError,
    GenerationTimeoutError,
    InvalidArgumentError,
    MeganovaError,
)
from tests.clock import VirtualClock


def job(status: str, **extra: object) -> FakeResponse:
    body = {
        "id": "vid_4f2c",
        "object": "video.generation",
        "created_at": 1767225600,
        "status": status,
        "model": "google/veo-3.1-fast",
        **extra,
    }
    return FakeResponse.json(body, headers={"x-request-id": f"req-{status}"})


def make(*replies: FakeResponse) -> tuple[MegaNova, FakeTransport, VirtualClock]:
    clock = VirtualClock()
    transport = FakeTransport(replies=replies)
    return MegaNova(api_key="sk-test", transport=transport, clock=clock), transport, clock


def test_generate_sends_the_job_body() -> None:
    client, transport, _ = make(job("queued"))
    created = client.videos.generate("waves", "google/veo-3.1-fast", aspect_ratio="16:9", seed=3)
    assert transport.requests[0].url.endswith("/v1/videos/generations")
    assert json.loads(transport.requests[0].body or b"") == {
        "prompt": "waves",
        "model": "google/veo-3.1-fast",
        "size": "1280x720",
        "n_seconds": 5,
        "aspect_ratio": "16:9",
        "seed": 3,
    }
    assert created.id == "vid_4f2c" and created.status == "queued"
    assert created.request_id == "req-queued"


def test_wait_polls_queued_running_completed() -> None:
    client, transport, clock = make(
        job("queued"),
        job("running"),
        job("processing"),
        job("completed", url="https://cdn.example/v.mp4", estimated_cost=0.6),
    )
    done = client.videos.generate("waves", "m", wait=True, poll_interval=2.0)
    assert done.done and done.url == "https://cdn.example/v.mp4" and done.estimated_cost == 0.6
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert [r.method for r in transport.requests] == ["POST", "GET", "GET", "GET"]
    assert transport.requests[1].url.endswith("/v1/videos/generations/vid_4f2c")


def test_wait_raises_with_the_servers_reason() -> None:
    client, _, _ = make(job("running"), job("failed", error={"message": "NSFW content detected"}))
    with pytest.raises(GenerationFailedError) as info:
        client.videos.wait("vid_4f2c", poll_interval=1)
    assert info.value.reason == "NSFW content detected"
    assert info.value.job_id == "vid_4f2c" and info.value.job.status == "failed"
    assert "NSFW content detected" in str(info.value)


def test_wait_deadline_is_a_typed_timeout() -> None:
    clock = VirtualClock()
    transport = FakeTransport(handler=lambda request: job("processing"))
    client = MegaNova(api_key="sk-test", transport=transport, clock=clock)
    with pytest.raises(GenerationTimeoutError) as info:
        client.videos.wait("vid_4f2c", poll_interval=5, wait_timeout=12)
    assert clock.now == pytest.approx(12.0)  # never slept past the deadline
    assert clock.sleeps == [5, 5, 2]
    assert len(transport.requests) == 4 and info.value.job.status == "processing"
    assert isinstance(info.value, MeganovaError)


def test_wait_accepts_a_finished_job_without_polling() -> None:
    client, transport, _ = make()
    from meganova.core.models.videos import VideoGeneration

    finished = VideoGeneration(id="v", status="succeeded")
    assert client.videos.wait(finished) is finished and not transport.requests


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"poll_interval": -1}, "poll_interval"),
        ({"wait_timeout": 0}, "wait_timeout"),
        ({"job": ""}, "job"),
    ],
)
def test_wait_validation(kwargs: dict, argument: str) -> None:  # type: ignore[type-arg]
    client, transport, _ = make()
    args = {"job": "vid", **kwargs}
    with pytest.raises(InvalidArgumentError) as info:
        client.videos.wait(**args)
    assert info.value.argument == argument and not transport.requests


def test_generate_validation_happens_before_sending() -> None:
    client, transport, _ = make()
    for kwargs, argument in [
        ({"prompt": ""}, "prompt"),
        ({"n_seconds": 0}, "n_seconds"),
        ({"wait": True, "poll_interval": "fast"}, "poll_interval"),
    ]:
        args = {"prompt": "p", "model": "m", **kwargs}
        with pytest.raises(InvalidArgumentError) as info:
            client.videos.generate(**args)
        assert info.value.argument == argument
    assert not transport.requests


def test_native_variant_and_supported_models() -> None:
    client, transport, _ = make(
        FakeResponse.json({"status": "success", "message": "ok", "data": {"url": "u"}}),
        FakeResponse.json({"status": "failed", "message": "quota"}),
        FakeResponse.json({"data": ["Byteplus/seedance-1-0-pro-250528", {"model_name": "x"}]}),
    )
    r = client.videos.generate_native(
        "Byteplus/seedance-1-0-pro-250528",
        "waves",
        duration=5,
        resolution="720p",
        camera_fixed=True,  # not a named parameter: still sent, as before
        max_retries=0,
    )
    assert transport.requests[0].url.endswith("/v1/videos/generation")
    assert json.loads(transport.requests[0].body or b"") == {
        "model_name": "Byteplus/seedance-1-0-pro-250528",
        "prompt": "waves",
        "duration": 5,
        "resolution": "720p",
        "camera_fixed": True,
    }
    assert r.data == {"url": "u"}
    with pytest.raises(GenerationFailedError, match="quota"):
        client.videos.generate_native("m")
    models = client.videos.supported_models()
    assert transport.requests[2].url.endswith("/v1/videos/models/supported_models")
    assert models.model_names == ["Byteplus/seedance-1-0-pro-250528", "x"]


def test_a_job_without_id_is_the_servers_fault_not_the_callers() -> None:
    client, transport, _ = make(job("queued", id=""))
    created = client.videos.generate("waves", "google/veo-3.1-fast")
    with pytest.raises(APIResponseValidationError) as info:
        client.videos.wait(created)
    assert info.value.request_id == "req-queued"
    assert len(transport.requests) == 1  # nothing was polled


def test_a_last_poll_cut_short_by_the_wait_reports_the_wait_running_out() -> None:
    # The poll after the last sleep has what is left of wait_timeout (next to nothing); a
    # server that takes 10 ms then must not turn the wait's end into an APITimeoutError.
    from meganova.errors import GenerationTimeoutError
    from meganova.testing import FakeMeganova, Json

    fake = FakeMeganova()
    processing = Json({"id": "vid_1", "status": "processing"}, delay=0.01)
    fake.script(processing, processing, processing)
    with fake.client() as client, pytest.raises(GenerationTimeoutError) as info:
        client.videos.wait("vid_1", poll_interval=1, wait_timeout=2)
    assert info.value.job is not None and info.value.job.status == "processing"
    assert len(fake.requests) == 3
