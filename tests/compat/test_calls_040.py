"""meganova 0.4.0 call shapes with one meaning keep working, warning with the new form;
the request they send is the one today's form sends."""

from __future__ import annotations

import warnings

import pytest

from meganova import MegaNova
from meganova.testing import FakeMeganova

DOCS = ["Our office is in Hanoi.", "Refunds are issued within 30 days."]


def test_positional_base_url_and_options_warn_and_configure_the_client() -> None:
    with pytest.warns(DeprecationWarning, match=r"MegaNova\(key, base_url=url\)") as seen:
        client = MegaNova("sk-test", "http://127.0.0.1:9/v1", 7, 5, "eu-west", "app/1")
    assert seen[0].filename == __file__
    assert client.base_url == "http://127.0.0.1:9/v1"
    assert (client.timeout.connect, client.timeout.read) == (7, 7)
    assert client.max_retries == 5
    assert client.config.region == "eu-west"
    assert client.config.user_agent.endswith(" app/1")


def test_the_key_alone_by_position_is_todays_form() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert MegaNova("sk-test", transport="stdlib").base_url.startswith("https://")


def test_positional_options_beyond_0_4_0_signature_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="at most 6 positional"):
        MegaNova("sk", "http://127.0.0.1:9/v1", 1, 2, "auto", None, "extra")  # type: ignore[misc]
    with pytest.raises(TypeError, match="multiple values for argument 'base_url'"):
        MegaNova("sk", "http://127.0.0.1:9/v1", base_url="http://127.0.0.1:8/v1")  # type: ignore[misc]


def test_rerank_query_and_documents_by_position(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with pytest.warns(DeprecationWarning, match=r"rerank\.create\(query=\.\.\., documents="):
        old = client.rerank.create("refund policy", DOCS, model="BAAI/bge-reranker-v2-m3")  # type: ignore[misc]
    old_body = meganova_fake.last_request.json
    new = client.rerank.create(
        query="refund policy", documents=DOCS, model="BAAI/bge-reranker-v2-m3"
    )
    assert meganova_fake.last_request.json == old_body
    assert old.results[0].index == new.results[0].index == 1


def test_serverless_modality_by_position(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with pytest.warns(DeprecationWarning, match=r'list_models\(modality="text_generation"\)'):
        old = client.serverless.list_models("text_generation")  # type: ignore[misc]
    assert meganova_fake.last_request.query["modality"] == "text_generation"
    assert [m.model_name for m in old.models] == [
        m.model_name for m in client.serverless.list_models(modality="text_generation").models
    ]


def test_videos_generate_with_model_name_is_the_native_call(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with pytest.warns(DeprecationWarning, match=r"videos\.generate_native\(model_name=\.\.\.\)"):
        result = client.videos.generate(model_name="acme/video-1", prompt="waves", duration=5)  # type: ignore[call-arg]
    request = meganova_fake.last_request
    assert (request.method, request.path) == ("POST", "/videos/generation")
    assert request.json == {"model_name": "acme/video-1", "prompt": "waves", "duration": 5}
    assert result.status == "success"


def test_videos_list_models_returns_the_names(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with pytest.warns(DeprecationWarning, match=r"supported_models\(\)\.model_names"):
        names = client.videos.list_models()
    assert names == client.videos.supported_models().model_names
    assert names and all(isinstance(n, str) for n in names)


def test_models_list_type_is_tag(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with pytest.warns(DeprecationWarning, match=r'models\.list\(tag="chat"\)'):
        old = client.models.list(type="chat")  # type: ignore[call-arg]
    assert [m.id for m in old] == [m.id for m in client.models.list(tag="chat")]
    with pytest.raises(TypeError, match="both 'type'"):
        client.models.list(type="chat", tag="chat")  # type: ignore[call-arg]


def test_todays_calls_do_not_warn(meganova_fake: FakeMeganova) -> None:
    client = meganova_fake.client()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.rerank.create(query="q", documents=DOCS, model="m")
        client.serverless.list_models(modality="text_generation")
        client.videos.generate("waves", "google/veo-3.1-fast")
        client.models.list(tag="chat")


def test_serverless_tier2_plus_require_reads_tier2_required(meganova_fake: FakeMeganova) -> None:
    model = meganova_fake.client().serverless.list_models().models[0]
    with pytest.warns(DeprecationWarning, match="write tier2_required") as seen:
        old = model.tier2_plus_require
    assert seen[0].filename == __file__
    assert old == model.tier2_required
