"""The one redaction mechanism (core/redact.py) and the terminal sanitiser: a secret is
found however a server spelt it, and nothing else is touched."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import string
import traceback
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeTransport
from meganova.core.errors import APIError
from meganova.core.http import Headers
from meganova.core.redact import REDACTED, Redactor, Sensitive
from meganova.core.terminal import printable

KEY = "sk-live-5ecret-K3y-0123456789abcdef"
KEY_CHARS = "".join(c for c in string.printable if c.isprintable() and c != " ")
keys = st.text(alphabet=KEY_CHARS, min_size=8, max_size=64)
# Text around an echo that cannot, by itself, complete or extend a key.
around = st.text(alphabet=" \n\u00e9\u4e16", max_size=20)


def spell(key: str, forms: List[int], upper: List[bool]) -> str:
    """``key`` with each character plain (0), JSON-escaped (1) or percent-encoded (2),
    hex digits in upper or lower case."""
    out = []
    for i, char in enumerate(key):
        form, up = forms[i % len(forms)], upper[i % len(upper)]
        if form == 1:
            text = f"\\u{ord(char):04x}"
        elif form == 2:
            text = f"%{ord(char):02x}"
        else:
            text = char
        out.append(text.upper().replace("\\U", "\\u") if up and form else text)
    return "".join(out)


@given(
    key=keys,
    forms=st.lists(st.integers(0, 2), min_size=1, max_size=8),
    upper=st.lists(st.booleans(), min_size=1, max_size=4),
    before=around,
    after=around,
)
def test_a_secret_is_found_in_any_spelling(
    key: str, forms: List[int], upper: List[bool], before: str, after: str
) -> None:
    redactor = Redactor([key])
    echo = before + spell(key, forms, upper) + after
    assert redactor.text(echo) == before + REDACTED + after
    assert redactor.bytes(echo.encode()) == (before + REDACTED + after).encode()


@given(key=keys, before=around, after=around)
def test_a_json_echo_decodes_to_no_secret(key: str, before: str, after: str) -> None:
    body = json.dumps({"message": before + key + after}, ensure_ascii=True)
    for spelt in (body, body.replace("-", "\\u002d"), body.replace("/", "\\/")):
        scrubbed = Redactor([key]).bytes(spelt.encode())
        assert key not in json.loads(scrubbed)["message"]


@given(text=st.text(max_size=200))
def test_text_without_the_secret_is_unchanged(text: str) -> None:
    if KEY.lower() in text.lower():
        return
    assert Redactor([KEY]).text(text) == text
    assert Redactor([KEY]).bytes(text.encode()) == text.encode()


def test_short_or_no_secrets_change_nothing() -> None:
    assert Redactor(["k"]).text("keep looking") == "keep looking"  # a test key like "k"
    assert not Redactor([])
    assert Redactor().text(KEY) == KEY


def test_the_redactor_hides_what_it_holds() -> None:
    redactor = Redactor([KEY])
    assert KEY not in repr(redactor)
    assert KEY.encode() not in pickle.dumps(redactor)


def test_headers_and_parsed_bodies_are_scrubbed_keeping_their_shape() -> None:
    redactor = Redactor([KEY])
    headers = Headers([("X-Echo", f"Bearer {KEY}"), ("X-Id", "1")])
    scrubbed = redactor.value(headers)
    assert isinstance(scrubbed, Headers) and scrubbed["x-echo"] == "Bearer <redacted>"
    body = {"error": {"message": [f"bad {KEY}", ("t", KEY)], "n": 3, "ok": None}}
    assert redactor.value(body) == {
        "error": {"message": ["bad <redacted>", ("t", "<redacted>")], "n": 3, "ok": None}
    }


def test_an_error_is_scrubbed_in_place_everywhere_it_shows() -> None:
    error = APIError(
        f"no {KEY}",
        status=401,
        request_id=KEY,
        headers={"x": KEY},
        body=KEY.encode(),
        parsed_body={"m": KEY},
    )
    assert Redactor([KEY]).error(error) is error
    for shown in (str(error), repr(error), repr(vars(error))):
        assert KEY not in shown
    assert KEY.encode() not in pickle.dumps(error)
    assert error.status == 401 and error.message == "no <redacted>"


def test_a_sensitive_value_is_the_secret_on_the_wire_and_hidden_elsewhere() -> None:
    value = Sensitive(f"Bearer {KEY}")
    assert value == f"Bearer {KEY}" and value.startswith("Bearer ")
    assert value.encode("latin-1") == f"Bearer {KEY}".encode()
    assert "Authorization: " + value == f"Authorization: Bearer {KEY}"
    assert value.reveal() == f"Bearer {KEY}" and type(value.reveal()) is str
    for shown in (repr(value), str(value), f"{value}", f"{value}", repr({"a": value})):
        assert KEY not in shown
    assert KEY.encode() not in pickle.dumps(value)
    assert Sensitive(value) is value  # wrapping twice keeps the secret
    assert copy.deepcopy({"a": value})["a"] is value
    logging.getLogger("meganova.test").warning("%s %r", value, {"h": value})


def test_a_client_request_carries_its_credentials_as_sensitive_values() -> None:
    client = MegaNova(
        api_key=KEY,
        base_url="https://api.example.test/v1",
        transport=FakeTransport(),
        default_headers={"X-Api-Key": "sk-other-secret", "X-Team": "blue"},
    )
    request = client.engine.build_request(
        "POST", "/x", json={}, options=_options({"Proxy-Authorization": "Basic abcdef"})
    )
    shown = repr(dict(request.headers)) + repr(client.config) + repr(client)
    for secret in (KEY, "sk-other-secret", "Basic abcdef"):
        assert secret not in shown
    assert "blue" in shown  # nothing else is hidden
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["X-Api-Key"] == "sk-other-secret"
    # The whole configuration's secrets feed the one redactor.
    assert client.engine.redactor.text("sk-other-secret and " + KEY) == (
        "<redacted> and <redacted>"
    )
    # A traceback recording locals through frames holding these headers shows none.
    try:
        _raise_with(dict(request.headers))
    except RuntimeError as exc:
        report = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert KEY not in report and "sk-other-secret" not in report


def _raise_with(headers: dict) -> None:
    raise RuntimeError(f"failed with {len(headers)} headers")


def _options(headers: dict):  # type: ignore[no-untyped-def]
    from meganova.core.engine import RequestOptions

    return RequestOptions.build(extra_headers=headers)


# -- terminal ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile, shown",
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;new title\x07after", "after"),
        ("\x1b]52;c;Y29weQ==\x1b\\clip", "clip"),  # write to the clipboard
        ("a\rb", "ab"),
        ("\x9b2Jgone", "gone"),  # C1 CSI
        ("bell\x07 del\x7f nul\x00", "bell del nul"),
        ("abc\u202egnp.exe", "abcgnp.exe"),  # right-to-left override
        ("\x1bcreset", "reset"),
    ],
)
def test_printable_removes_terminal_control(hostile: str, shown: str) -> None:
    assert printable(hostile) == shown


def test_printable_keeps_text_and_optionally_lines() -> None:
    text = "Héllo, 世界 — ok\tand\nnext"
    assert printable(text) == text
    assert printable(text, newlines=False) == "Héllo, 世界 — ok and next"


@given(st.text(max_size=100))
def test_printable_leaves_only_printable_text(text: str) -> None:
    shown = printable(text, newlines=False)
    assert shown.isprintable()
    assert "\x1b" not in printable(text)
