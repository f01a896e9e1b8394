"""Start a video job and look at it; then ask again and block until it is done."""

import os

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])
scene = "Paper boats racing down a rainy street"

job = nova.videos.generate(model="google/veo-3.1-fast", prompt=scene, size="1280x720", n_seconds=5)
print(f"queued {job.id}, status {job.status}")

done = nova.videos.generate(model="google/veo-3.1-fast", prompt=scene, wait=True, poll_interval=10)
print(f"finished with status {done.status}")
print("download:", done.url or "(no url)")
