"""meganova 0.4.0's import paths and names: kept, renamed (with a DeprecationWarning
naming today's name) or refused on use (with what to write instead)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import meganova
from meganova.cloud import CloudAgent, Conversation
from meganova.core.models.agents import AgentChatResponse
from meganova.core.models.audio import Transcription
from meganova.core.models.billing import InstanceBillings
from meganova.core.models.chat import ChatChunkChoice, ChatCompletionChunk, ChatResponse
from meganova.core.models.embeddings import Embedding, EmbeddingResponse
from meganova.core.models.images import ImageData, ImageGeneration
from meganova.core.models.serverless import ServerlessCatalogue, ServerlessModel
from meganova.core.models.usage import UsageRow
from meganova.core.models.videos import NativeVideoGeneration
from meganova.errors import MeganovaError

KEPT = [
    ("meganova", "MegaNova", meganova.MegaNova),
    ("meganova", "MeganovaError", MeganovaError),
    ("meganova", "EmbeddingResponse", EmbeddingResponse),
    ("meganova", "ServerlessModel", ServerlessModel),
    ("meganova", "Embedding", Embedding),
    ("meganova.models.chat", "ChatResponse", ChatResponse),
    ("meganova.models.embeddings", "EmbeddingResponse", EmbeddingResponse),
    ("meganova.models.serverless", "ServerlessModel", ServerlessModel),
    ("meganova.errors", "RateLimitError", meganova.errors.RateLimitError),
    ("meganova.version", "__version__", "0.5.0"),
    ("meganova", "CloudAgent", CloudAgent),
    ("meganova.cloud", "CloudAgent", CloudAgent),
    ("meganova.cloud.agent", "Conversation", Conversation),
    ("meganova.cloud.models", "AgentChatResponse", AgentChatResponse),
    ("meganova.cloud.models", "ChatCompletionResponse", ChatResponse),
    ("meganova.cloud", "ChatCompletionChunk", ChatCompletionChunk),
]

RENAMED = [
    ("meganova", "EmbeddingData", Embedding, "Embedding"),
    ("meganova", "GeneratedImage", ImageData, "ImageData"),
    ("meganova", "ImageGenerationResponse", ImageGeneration, "ImageGeneration"),
    ("meganova", "ServerlessModelsResponse", ServerlessCatalogue, "ServerlessCatalogue"),
    ("meganova", "TranscriptionResponse", Transcription, "Transcription"),
    ("meganova", "VideoGenerationResponse", NativeVideoGeneration, "NativeVideoGeneration"),
    ("meganova.models.chat", "ChatStreamChunk", ChatCompletionChunk, "ChatCompletionChunk"),
    ("meganova.models.chat", "ChatStreamChunkChoice", ChatChunkChoice, "ChatChunkChoice"),
    ("meganova.models.billing", "BillingBalance", InstanceBillings, "InstanceBillings"),
    ("meganova.models.usage", "UsageDetail", UsageRow, "UsageRow"),
]

REFUSED = [
    ("meganova", "ModelTags"),
    ("meganova.cloud.transport", "CloudTransport"),
    ("meganova.agents", "AgentTeam"),
    ("meganova.agents", "ToolRegistry"),
    ("meganova.agents", "TokenBudgetMemory"),
    ("meganova.agents.hooks", "HookType"),
    ("meganova.agents.tools.knowledge", "KnowledgeBase"),
    ("meganova.agents.sandbox.docker_provider", "DockerSandbox"),
    ("meganova.transport", "SyncTransport"),
    ("meganova.models.images", "ImageTimings"),
    ("meganova.resources.chat", "Chat"),
    ("meganova.resources.models_", "ModelsResource"),
]


def _import(module: str, name: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the stand-in packages say so on import
        return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("module", "name", "expected"), KEPT)
def test_kept_names_resolve_silently(module: str, name: str, expected: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _import(module, name) == expected


@pytest.mark.parametrize(("module", "name", "expected", "new"), RENAMED)
def test_renamed_names_resolve_and_warn_with_the_new_name(
    module: str, name: str, expected: type, new: str
) -> None:
    with pytest.warns(DeprecationWarning, match=rf"{module}\.{name} .*0\.4\.0.*{new}") as seen:
        assert _import(module, name) is expected
    assert seen[0].filename == __file__  # blamed on the line that used the old name


def test_from_import_of_a_renamed_name_blames_the_importing_line() -> None:
    with pytest.warns(DeprecationWarning) as seen:
        from meganova import TranscriptionResponse
    assert TranscriptionResponse is Transcription
    assert {w.filename for w in seen} == {__file__}


@pytest.mark.parametrize(("module", "name"), REFUSED)
def test_refused_names_import_and_fail_on_use_saying_what_to_do(module: str, name: str) -> None:
    stand_in = _import(module, name)
    with pytest.raises(MeganovaError, match=r"not in meganova 0\.5\.0.*MIGRATING\.md") as info:
        stand_in("anything")  # type: ignore[operator]
    assert isinstance(info.value, NotImplementedError)
    assert f".{name} (" in str(info.value)


def test_a_refused_class_fails_when_subclassed_or_read_but_stays_introspectable() -> None:
    team = _import("meganova.agents", "AgentTeam")
    with pytest.raises(NotImplementedError, match="agent runner's teams"):
        type("MyTeam", (team,), {})
    with pytest.raises(NotImplementedError, match=r"asyncio\.gather over agent\.arun"):
        team.run_sequential  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(team, "__wrapped__")  # tools that probe dunders see a plain class
    decorator = _import("meganova.agents", "pre_tool_use")
    with pytest.raises(NotImplementedError, match=r"Hooks\(before_model"):

        @decorator(priority=1)  # type: ignore[misc]
        def check(ctx: object) -> None:
            return None


def test_the_agent_runners_kept_and_renamed_names() -> None:
    from meganova.agents import Agent, Memory, Tool, tool

    assert _import("meganova.agents.agent", "Agent") is Agent
    assert _import("meganova.agents.tools.base", "tool") is tool
    with pytest.warns(DeprecationWarning, match=r"ToolDefinition .*0\.4\.0.*Tool"):
        assert _import("meganova.agents", "ToolDefinition") is Tool
    with pytest.warns(DeprecationWarning, match=r"MessageMemory .*0\.4\.0.*Memory"):
        assert _import("meganova.agents.memory", "MessageMemory") is Memory
    with pytest.raises(AttributeError):
        _import("meganova.agents", "NoSuchName")
    with pytest.raises(ImportError):
        __import__("meganova.agents.no_such_module")


def test_importing_the_cloud_and_agents_packages_is_silent() -> None:
    # Both are real again (no stand-in package warns at start-up any more).
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "from meganova.cloud import CloudAgent\nfrom meganova.agents import Agent\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stderr == ""


def test_unknown_names_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError):
        meganova.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ImportError):
        from meganova.models.chat import NoSuchThing  # type: ignore[attr-defined]  # noqa: F401


def test_config_constants_are_todays_defaults() -> None:
    from meganova.config import DEFAULT_TIMEOUT, MAX_RETRIES, PRODUCTION_API_URL

    client = meganova.MegaNova(api_key="sk-test", transport="stdlib")
    assert (client.base_url, client.timeout, client.max_retries) == (
        PRODUCTION_API_URL,
        DEFAULT_TIMEOUT,
        MAX_RETRIES,
    )
