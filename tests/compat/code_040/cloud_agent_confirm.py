"""When a Cloud agent wants to run a tool, ask the person first (0.4.0 pending_tool_call)."""

import os

from meganova.cloud import CloudAgent

chat = CloudAgent(api_key=os.environ["STUDIO_AGENT_KEY"]).conversation()
print(chat.chat("Please email my invoice to me again").response)

pending = chat.pending_tool_call
if pending is None:
    print("nothing to confirm")
else:
    print(f"The agent asks to run {pending.tool_name} ({pending.description})")
    print("with", pending.tool_arguments)
    approved = input("Allow it? [y/N] ").strip().lower() == "y"
    print((chat.confirm() if approved else chat.reject()).response)
print(f"{chat.conversation_id}: {len(chat.messages)} messages")
