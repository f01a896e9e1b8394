"""Generate a picture and keep it on disk (OpenAI-style size and n)."""

import base64
import os

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])
art = nova.images.generate(
    model="ByteDance/SeedDream-4-5",
    prompt="A lighthouse on a cliff at dawn, watercolour",
    size="1024x1024",
    n=1,
)
print(f"{len(art.data)} picture(s), made at {art.created}")
for number, picture in enumerate(art.data, start=1):
    if picture.url and not picture.b64_json:
        print("hosted at", picture.url)
        continue
    target = f"lighthouse_{number}.png"
    with open(target, "wb") as out:
        size = out.write(base64.b64decode(picture.b64_json))
    print(f"wrote {target}, {size} bytes")
