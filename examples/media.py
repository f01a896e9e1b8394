"""Media: embeddings, rerank, an image, a video (polled until it is ready) and an audio
transcription.

    MEGANOVA_API_KEY=... python examples/media.py [audio-file]

Images are saved in the current directory; without an audio file argument, a
``hello.mp3`` there is transcribed when it exists.
"""

from __future__ import annotations

import sys
from pathlib import Path

from meganova import MegaNova
from meganova.errors import GenerationFailedError, GenerationTimeoutError


def main(audio_path: Path) -> None:
    with MegaNova() as client:
        vectors = client.embeddings.create(input=["neon", "harbor"], model="BAAI/bge-m3")
        print(f"{len(vectors.data)} embeddings of {len(vectors.data[0].embedding)} dimensions")

        ranked = client.rerank.create(
            query="How long do refunds take?",
            documents=["Our office is in Hanoi.", "Refunds are issued within 30 days."],
            model="BAAI/bge-reranker-v2-m3",
            top_n=1,
        )
        best = ranked.results[0]
        print(f"best document: #{best.index} (score {best.relevance_score:.3f})")

        image = client.images.generate(
            "a lighthouse in the rain, neon reflections",
            "black-forest-labs/FLUX.1-dev",
            width=512,
            height=512,
        )
        if image.data and image.data[0].b64_json:
            print("image saved to", image.save("lighthouse.png"))
        elif image.data:
            print("image at", image.data[0].url)  # a URL reply: the SDK does not fetch it

        try:
            video = client.videos.generate(
                "waves at night under a lighthouse", "google/veo-3.1-fast", wait=True
            )
            print("video:", video.status, video.url)
        except (GenerationFailedError, GenerationTimeoutError) as error:
            print("the video did not complete:", error)

        if audio_path.exists():
            with audio_path.open("rb") as audio:
                print("transcript:", client.audio.transcribe(audio).text)
        else:
            print(f"no {audio_path}: transcription skipped")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "hello.mp3"))
