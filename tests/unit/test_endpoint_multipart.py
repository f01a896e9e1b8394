"""The multipart encoder: whole bytes that the stdlib MIME parser reads back exactly."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

from hypothesis import given
from hypothesis import strategies as st

from meganova.core.multipart import FilePart, encode_multipart

names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=20,
)


def parse(body: bytes, content_type: str):  # type: ignore[no-untyped-def]
    return BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )


@given(value=st.text(max_size=50), content=st.binary(max_size=400))
def test_round_trip(value: str, content: bytes) -> None:
    body, ctype = encode_multipart(
        [("model", value)], [FilePart("file", "a.mp3", content, "audio/mpeg")]
    )
    message = parse(body, ctype)
    parts = list(message.iter_parts())
    assert parts[0].get_payload(decode=True).decode("utf-8") == value
    assert parts[1].get_payload(decode=True) == content
    assert parts[1].get_filename() == "a.mp3"


@given(content=st.binary(min_size=1, max_size=200))
def test_boundary_never_occurs_in_content(content: bytes) -> None:
    planted = b"--meganova-" + content
    body, ctype = encode_multipart([], [FilePart("file", "f", planted)], boundary="x" * 8)
    boundary = ctype.split("boundary=", 1)[1].encode()
    assert boundary not in planted
    assert body.endswith(b"--" + boundary + b"--\r\n")


@given(name=names)
def test_names_cannot_break_the_header(name: str) -> None:
    body, _ = encode_multipart([(name, "v")], [FilePart("file", name + '"\r\nX: y', b"z")])
    header_lines = [line for line in body.split(b"\r\n") if line.startswith(b"Content-Disp")]
    assert len(header_lines) == 2
    assert all(b"\r" not in line and b"\n" not in line for line in header_lines)


def test_deterministic_layout() -> None:
    body, ctype = encode_multipart(
        [("model", "m")], [FilePart("file", "a.wav", b"RIFF", "audio/wav")], boundary="B"
    )
    assert ctype == "multipart/form-data; boundary=B"
    assert body == (
        b'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nm\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\nRIFF\r\n--B--\r\n"
    )
