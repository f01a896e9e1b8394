"""Speech to text for a file named on the command line (default: recording.mp3)."""

import sys
from pathlib import Path

from meganova import MegaNova

clip = Path(sys.argv[1] if len(sys.argv) > 1 else "recording.mp3")
if not clip.is_file():
    sys.exit(f"no such audio file: {clip}")

print(f"sending {clip.name} ({clip.stat().st_size} bytes)")
heard = MegaNova().audio.transcribe(str(clip))
print("Transcript:", heard.text)
