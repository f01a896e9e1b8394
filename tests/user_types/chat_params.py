"""Typed request parameters: what passes, and the mistakes a type checker reports."""

from typing import List

from meganova import MegaNova
from meganova.types import (
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
    ChatResponse,
    ChatStream,
    ChatStreamChunk,
)

client = MegaNova(api_key="sk-test")
USER: List[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}

# Every message kind, content parts, tools and the named fields.
history: List[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "31°C"},
]
response: ChatResponse = client.chat.create(
    messages=history,
    model="m",
    temperature=0.2,
    max_tokens=10,
    session_id="s",
    top_p=0.9,
    stop=["\n"],
    seed=1,
    tools=[TOOL],
    tool_choice={"type": "function", "function": {"name": "get_weather"}},
    response_format={"type": "json_object"},
    stream_options={"include_usage": True},
    max_retries=0,
    deadline=30,
    idempotency_key="k",
    extra_body={"anything": ["goes", "here"]},
)
followup = client.chat.create(messages=[*history, response.choices[0].message], model="m")
stream: ChatStream = client.chat.stream(messages=USER, model="m", tool_choice="auto")
first: ChatStreamChunk = next(iter(stream))
text: str = first.delta

# Mistakes.
client.chat.create(messages=[{"role": "usr", "content": "Hi"}], model="m")  # expect-error
client.chat.create(messages=[{"role": "user", "contnt": "Hi"}], model="m")  # expect-error
client.chat.create(messages=[{"role": "tool", "content": "31°C"}], model="m")  # expect-error
client.chat.create(messages=USER, model="m", temprature=0.5)  # expect-error
client.chat.stream(messages=USER, model="m", tpo_p=0.5)  # expect-error
client.chat.completions.create(messages=USER, model="m", stream=True, sed=1)  # expect-error
client.chat.create(messages=USER, tools=[{"type": "function", "function": {}}])  # expect-error
client.chat.create(messages=USER, tool_choice="always")  # expect-error
client.chat.create(messages=USER, response_format={"type": "json"})  # expect-error
client.chat.create(messages=USER, top_p="high")  # expect-error
