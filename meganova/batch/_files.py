"""The files of a bulk run: the input read lazily, the output written a whole line at a
time, and a resumed run's reading of what is already done."""

from __future__ import annotations

import os
from typing import IO, Any, Iterator, Optional, Tuple, Union

from ..core.batch.ids import IdSet
from ..core.batch.results import done_ids

PathLike = Union[str, "os.PathLike[str]"]
CHUNK = 1 << 20


def is_path(requests: object) -> bool:
    return isinstance(requests, (str, os.PathLike))


def input_lines(path: PathLike) -> Iterator[Tuple[int, bytes]]:
    """``(line number, line)`` for every non-blank line, read as needed."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                yield number, line


def count_lines(path: PathLike) -> int:
    """Non-blank lines, for the progress display's total (one fast pass)."""
    count = 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                count += 1
    return count


def iterable_items(requests: Any) -> Iterator[Tuple[int, Any]]:
    return enumerate(requests, 1)


def read_done(path: PathLike, into: IdSet) -> int:
    """Adds the ids already done in an existing output file to ``into`` and cuts a torn
    last line (a kill mid-write) so new lines start on a line of their own; returns how
    many were done. A missing file has none."""
    if not os.path.exists(path):
        return 0
    with open(path, "r+b") as f:
        count = done_ids(f, into)
        size = f.seek(0, os.SEEK_END)
        if size:
            # find the end of the last whole line
            pos = size
            while pos > 0:
                step = min(CHUNK, pos)
                f.seek(pos - step)
                block = f.read(step)
                cut = block.rfind(b"\n")
                if cut >= 0:
                    pos = pos - step + cut + 1
                    break
                pos -= step
            if pos != size:
                f.truncate(pos)
    return count


class LineWriter:
    """Appends result lines: each line is one ``write`` to an unbuffered file, so a run
    killed at any moment leaves whole lines behind (at most the last one torn, which
    ``read_done`` cuts off and its item runs again)."""

    def __init__(self, path: PathLike, *, append: bool) -> None:
        # open for the run's length: closed by ``close`` (the run's ``finally``)
        mode = "ab" if append else "wb"
        self._file: Optional[IO[bytes]] = open(path, mode, buffering=0)  # noqa: SIM115

    def write(self, line: bytes) -> None:
        assert self._file is not None
        view = memoryview(line)
        while view:
            written = self._file.write(view)
            view = view[written or 0 :]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
