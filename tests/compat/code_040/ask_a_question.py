"""One question, one answer: the plain chat call of meganova 0.4.0."""

import os

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])

reply = nova.chat.completions.create(
    model="meganova-ai/manta-flash-1.0",
    messages=[
        {"role": "system", "content": "Answer in one short sentence."},
        {"role": "user", "content": "Which river runs through Paris?"},
    ],
    max_tokens=60,
    temperature=0.2,
)
first = reply.choices[0].message
print("Speaker:", first.role)
print("Answer:", first.content)
print("Token usage:", reply.usage)
