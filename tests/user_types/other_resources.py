"""The other resources' methods take named parameters only: a misspelt one is reported."""

from meganova import MegaNova
from meganova.types import NativeVideoGeneration

client = MegaNova(api_key="sk-test")
job: NativeVideoGeneration = client.videos.generate_native(
    "Byteplus/seedance-1-0-pro-250528",
    "waves at night",
    duration=5,
    resolution="720p",
    max_retries=0,
    extra_body={"camera_fixed": True},
)
client.videos.generate_native("m", "p", duraton=5)  # expect-error
client.images.generate("a lighthouse", "flux", sze="1024x1024")  # expect-error
client.embeddings.create(input=["neon"], model="bge", encodingformat="float")  # expect-error
client.rerank.create(query="q", documents=["a"], model="m", topn=1)  # expect-error
client.models.list(capabilty="vision")  # expect-error
client.usage.summary(from_="2026-11-01", too="2026-11-07")  # expect-error
