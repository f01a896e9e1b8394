"""client.models: tolerant list decoding, ids with '/', filters, get fallback."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.models.models_ import ModelInfo, ModelPricing
from meganova.errors import InvalidArgumentError, NotFoundError
from tests.clock import VirtualClock

MANTA = {
    "id": "meganova-ai/manta-flash-1.0",
    "object": "model",
    "owned_by": "meganova",
    "name": "Manta Flash 1.0",
    "created": 1764547200,
    "context_length": 32768,
    "tags": ["chat"],
    "default": True,
    "pricing": {"prompt": "0.0000002", "completion": 0.0000006},
    "architecture": {"modality": "text->text"},
    "capabilities": {"chat": True, "vision": False},
}
VISION = {
    "id": "Qwen/Qwen2.5-VL-7B-Instruct",
    "tags": ["chat", "vision"],
    "capabilities": {"chat": True, "vision": True},
}


def make(*replies: FakeResponse) -> tuple[MegaNova, FakeTransport]:
    transport = FakeTransport(replies=replies)
    return MegaNova(api_key="sk-test", transport=transport, clock=VirtualClock()), transport


def test_list_decodes_every_field_and_keeps_request_id() -> None:
    client, transport = make(
        FakeResponse.json({"object": "list", "data": [MANTA]}, headers={"x-request-id": "r1"})
    )
    models = client.models.list()
    assert transport.requests[0].url.endswith("/v1/models")
    assert models.request_id == "r1" and isinstance(models, list)
    m = models[0]
    assert (m.id, m.name, m.context_length, m.default) == (
        MANTA["id"],
        "Manta Flash 1.0",
        32768,
        True,
    )
    assert m["owned_by"] == "meganova" and m.capabilities == {"chat": True, "vision": False}
    assert m.request_id == "r1"
    assert isinstance(m.pricing, ModelPricing)
    assert m.pricing["prompt"] == "0.0000002"  # the live mapping, as sent
    assert m.pricing.prompt_tokens_per_1k == pytest.approx(0.0002)
    assert m.pricing.completion_tokens_per_1k == pytest.approx(0.0006)


def test_one_odd_model_never_fails_the_list(caplog: pytest.LogCaptureFixture) -> None:
    odd = {
        "id": "odd/model",
        "name": "Odd",
        "context_length": {"max": 5},
        "tags": "chat",
        "pricing": ["0.1"],
        "capabilities": {"chat": True},
    }
    client, _ = make(
        FakeResponse.json(
            {"data": [MANTA, odd, {"id": 42, "name": "numeric"}, {"name": "no id"}, "junk"]}
        )
    )
    with caplog.at_level(logging.WARNING, logger="meganova"):
        models = client.models.list()
    assert [m.id for m in models] == [MANTA["id"], "odd/model", "42"]
    assert models[1].name == "Odd" and models[1].capabilities == {"chat": True}
    assert models[1].context_length is None and models[1].tags is None
    text = caplog.text
    assert "odd/model" in text and "context_length" in text and "tags" in text
    assert "no id" in text and "junk" in text  # dropped entries are named, never silent


def test_non_envelope_list_and_early_platform_shape() -> None:
    client, _ = make(
        FakeResponse.json([MANTA]),
        FakeResponse.json({"data": {"models": [VISION]}, "status": "success"}),
    )
    assert [m.id for m in client.models.list()] == [MANTA["id"]]
    assert [m.id for m in client.models.list()] == [VISION["id"]]


def test_client_side_filters() -> None:
    body = {"data": [MANTA, VISION]}
    client, transport = make(FakeResponse.json(body), FakeResponse.json(body))
    assert [m.id for m in client.models.list(capability="vision")] == [VISION["id"]]
    assert [m.id for m in client.models.list(tag="chat")] == [MANTA["id"], VISION["id"]]
    assert all("?" not in r.url for r in transport.requests)  # nothing sent to the server
    with pytest.raises(InvalidArgumentError) as info:
        client.models.list(tag=3)  # type: ignore[arg-type]
    assert info.value.argument == "tag"


def test_get_keeps_slash_and_falls_back_to_list_on_404() -> None:
    client, transport = make(
        FakeResponse.json(MANTA, headers={"x-request-id": "g1"}),
        FakeResponse.json({"error": {"message": "no route"}}, status=404),
        FakeResponse.json({"data": [MANTA, VISION]}),
        FakeResponse.json({"error": {"message": "no route"}}, status=404),
        FakeResponse.json({"data": [MANTA]}),
    )
    m = client.models.get("meganova-ai/manta-flash-1.0")
    assert transport.requests[0].url.endswith("/v1/models/meganova-ai/manta-flash-1.0")
    assert m.id == MANTA["id"] and m.request_id == "g1"
    assert client.models.get(VISION["id"]).id == VISION["id"]
    with pytest.raises(NotFoundError):
        client.models.get("nope/missing")


def test_get_encodes_odd_characters_and_rejects_dot_segments() -> None:
    client, transport = make(FakeResponse.json({"id": "a b/c?d"}))
    client.models.get("a b/c?d")
    assert transport.requests[0].url.endswith("/v1/models/a%20b/c%3Fd")
    for bad in ("a/../b", "/lead", "trail/", ""):
        with pytest.raises(InvalidArgumentError) as info:
            client.models.get(bad)
        assert info.value.argument == "model_id"
    assert len(transport.requests) == 1


def test_get_tolerates_an_odd_single_model() -> None:
    client, _ = make(
        FakeResponse.json(
            {"id": "x/y", "created": "yesterday", "name": "Y"}, headers={"x-request-id": "t1"}
        )
    )
    m = client.models.get("x/y")
    assert (m.id, m.name, m.created, m.request_id) == ("x/y", "Y", None, "t1")


def test_model_pricing_guideline_view() -> None:
    p = ModelPricing(prompt_tokens_per_1k=0.5, completion_tokens_per_1k=1.5)
    assert (p.prompt_tokens_per_1k, p.completion_tokens_per_1k) == (0.5, 1.5)
    assert ModelPricing({"prompt": "free"}).prompt_tokens_per_1k is None
    info = ModelInfo(id="a", pricing={"input": 0.001})
    assert isinstance(info.pricing, ModelPricing)
    assert info.pricing.prompt_tokens_per_1k == pytest.approx(1.0)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
field_names = st.sampled_from(
    [f for f in ModelInfo._field_names() if f != "request_id"] + ["extra"]
)


@given(st.lists(st.dictionaries(field_names, json_values, max_size=6), max_size=6))
def test_any_catalogue_decodes_and_keeps_every_entry_with_an_id(items: list) -> None:  # type: ignore[type-arg]
    items = [{**item, "id": f"org/m{i}"} if i % 2 == 0 else item for i, item in enumerate(items)]
    client, _ = make(FakeResponse.json({"data": items}))
    models = client.models.list()
    kept = {m.id for m in models}
    assert {f"org/m{i}" for i in range(0, len(items), 2)} <= kept
    for m in models:
        assert isinstance(m.id, str) and m.id


@pytest.mark.parametrize(
    "items",
    [
        [{"id": "org/a"}, {"id": ""}],  # every entry fits the model: the one-pass decode
        [{"id": "org/a"}, {}, {"id": "  "}],  # some do not: the item-by-item path
    ],
)
def test_entries_without_a_usable_id_are_never_kept(items: list) -> None:  # type: ignore[type-arg]
    client, _ = make(FakeResponse.json({"data": items}))
    assert [m.id for m in client.models.list()] == ["org/a"]


# -- modalities: the guideline's field, derived from the live architecture -----------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"architecture": {"modality": "text+image->text"}}, ["text", "image"]),
        ({"architecture": {"modality": "text->text"}}, ["text"]),
        (
            {"architecture": {"modality": " text + audio -> text+image "}},
            ["text", "audio", "image"],
        ),
        (
            {
                "architecture": {
                    "input_modalities": ["text", "image"],
                    "output_modalities": ["text"],
                }
            },
            ["text", "image"],
        ),
        ({"architecture": {"modality": "text->text"}, "modalities": ["vision"]}, ["vision"]),
        ({"architecture": {"modality": "->"}}, None),
        ({"architecture": {"tokenizer": "x"}}, None),
        ({}, None),
    ],
)
@pytest.mark.parametrize("odd", [False, True], ids=["typed", "tolerant"])
def test_modalities_come_from_architecture_when_not_sent(
    item: dict,
    expected: object,
    odd: bool,  # type: ignore[type-arg]
) -> None:
    """On both decode paths (an odd sibling entry sends the list down the tolerant one)."""
    entries = [{"id": "a/b", **item}] + ([{"id": "c/d", "context_length": "many"}] if odd else [])
    client, _ = make(FakeResponse.json({"data": entries}))
    assert client.models.list()[0].modalities == expected


def test_the_guideline_example_prints_modalities() -> None:
    """Guideline 10.3: ``print(m.id, m.modalities, m.context_length)``."""
    client, _ = make(
        FakeResponse.json(
            {"data": [MANTA, {**VISION, "architecture": {"modality": "text+image->text"}}]}
        )
    )
    assert [(m.id, m.modalities) for m in client.models.list()] == [
        (MANTA["id"], ["text"]),
        (VISION["id"], ["text", "image"]),
    ]


def test_a_repeated_modality_string_still_yields_what_each_entry_says() -> None:
    """The second sight of a modality string takes a cached path: same answers, and each
    model gets its own list."""
    arch = {"modality": "audio+text->text"}
    with_lists = {**arch, "input_modalities": ["image"], "output_modalities": ["text"]}
    entries = [{"id": f"m/{i}", "architecture": a} for i, a in enumerate([arch, with_lists] * 2)]
    client, _ = make(FakeResponse.json({"data": entries}))
    models = client.models.list()
    assert [m.modalities for m in models] == [["audio", "text"], ["image", "text"]] * 2
    assert models[0].modalities is not models[2].modalities


@pytest.mark.parametrize("exclude_none", [True, False])
def test_a_model_list_serialises_to_the_reply_form_and_back(exclude_none: bool) -> None:
    client, transport = make(FakeResponse.json({"object": "list", "data": [MANTA, VISION]}))
    models = client.models.list()
    text = models.to_json(exclude_none=exclude_none)
    assert models.model_dump_json(exclude_none=exclude_none) == text
    assert (
        models.to_dict()
        == models.model_dump()
        == {
            "object": "list",
            "data": [m.to_dict() for m in models],
        }
    )
    transport.add(FakeResponse(200, text.encode("utf-8"), {"Content-Type": "application/json"}))
    again = client.models.list()
    assert again == models and again.object == "list"
    assert again[0].pricing == MANTA["pricing"] and again[0].modalities == ["text"]
