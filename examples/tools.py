"""Tools: the model asks for a function, we run it, send the result back, and the model
answers with it (one full tool-call round trip).

    MEGANOVA_API_KEY=... python examples/tools.py
"""

from __future__ import annotations

import json

from meganova import MegaNova
from meganova.types import ChatCompletionMessageParam, ChatCompletionToolParam

MODEL = "meganova-ai/manta-flash-1.0"

WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def get_weather(city: str) -> dict[str, object]:
    """Our own function; a real program would call a weather service here."""
    return {"city": city, "temperature_c": 31, "sky": "thunderstorms"}


def main() -> None:
    with MegaNova() as client:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "user", "content": "What is the weather in Hanoi right now?"}
        ]
        first = client.chat.create(
            messages=messages, model=MODEL, tools=[WEATHER_TOOL], tool_choice="auto"
        )
        reply = first.choices[0].message
        if not reply.tool_calls:
            print("The model answered without the tool:", reply.content or "")
            return
        messages.append(
            {
                "role": "assistant",
                "content": reply.content,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.function.name,
                            "arguments": call.function.arguments,
                        },
                    }
                    for call in reply.tool_calls
                ],
            }
        )
        for call in reply.tool_calls:
            arguments = json.loads(call.function.arguments or "{}")
            print(f"the model calls {call.function.name}({arguments})")
            result = get_weather(str(arguments.get("city", "")))
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}
            )
        final = client.chat.create(messages=messages, model=MODEL, tools=[WEATHER_TOOL])
        print("Answer:", final.text)


if __name__ == "__main__":
    main()
