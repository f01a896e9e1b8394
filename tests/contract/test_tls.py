"""TLS is verified by default, on both real transports, against a local HTTPS server
whose certificate comes from a throwaway CA (trustme). Extends the basic check in
test_transport_contract.py (bundle / refused / verify=False) with chat and streams over
TLS, hostname checking, and proof that the key never reaches an unverified server."""

from __future__ import annotations

import ssl
from typing import Any, Iterator, List, Tuple

import pytest
from pytest_httpserver import HTTPServer

from meganova import MegaNova
from meganova.errors import APIConnectionError, APITimeoutError
from tests.clock import VirtualClock
from tests.helpers import USER, chat_handler

trustme = pytest.importorskip("trustme")

KEY = "sk-tls-0123456789abcdef"


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(ca: Any) -> Iterator[Tuple[HTTPServer, List[str], str]]:
    """An HTTPS server with a certificate for 127.0.0.1 and localhost, from ``ca``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    seen: List[str] = []
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.expect_request("/v1/chat/completions").respond_with_handler(chat_handler(seen, "secure"))
    server.start()
    with ca.cert_pem.tempfile() as bundle:
        yield server, seen, bundle
    server.clear()
    server.stop()


def base(server: HTTPServer, host: str = "127.0.0.1") -> str:
    return f"https://{host}:{server.port}/v1"


def chat_both_ways(client: MegaNova) -> None:
    assert client.chat.create(messages=USER, model="m").choices[0].message.content == "secure"
    stream = client.chat.stream(messages=USER, model="m")
    assert "".join(c.delta for c in stream) == "secure"


def test_verification_is_on_by_default(
    tls_server: Tuple[HTTPServer, List[str], str], real_transport: str
) -> None:
    server, seen, _ = tls_server
    seen.clear()
    clock = VirtualClock()
    client = MegaNova(
        api_key=KEY,
        base_url=base(server),
        transport=real_transport,
        clock=clock,
        max_retries=2,
    )
    try:
        for call in (
            lambda: client.chat.create(messages=USER, model="m"),
            lambda: client.chat.stream(messages=USER, model="m"),
        ):
            with pytest.raises(APIConnectionError) as info:
                call()
            error = info.value
            assert not isinstance(error, APITimeoutError)
            assert "TLS" in str(error) and KEY not in str(error)
            assert isinstance(error.__cause__, Exception)
            # It cannot pass on a later attempt: not retried, no backoff waited.
            assert error.code == "certificate_verify_failed"
            assert error.attempts == 1 and clock.sleeps == []
    finally:
        client.close()
    assert seen == []  # the handshake failed: no request, no key, ever reached the server


def test_its_ca_bundle_makes_it_work_for_chat_and_streams(
    tls_server: Tuple[HTTPServer, List[str], str], real_transport: str
) -> None:
    server, seen, bundle = tls_server
    seen.clear()
    with MegaNova(
        api_key=KEY, base_url=base(server), transport=real_transport, verify=bundle
    ) as client:
        chat_both_ways(client)
        chat_both_ways(client)  # over the pooled TLS connection
    assert seen == [f"Bearer {KEY}"] * 4


def test_a_deadline_reads_tls_replies_too(
    tls_server: Tuple[HTTPServer, List[str], str], real_transport: str
) -> None:
    """With a deadline, every read goes through the budget's reader: on TLS sockets too."""
    server, seen, bundle = tls_server
    seen.clear()
    with MegaNova(
        api_key=KEY, base_url=base(server), transport=real_transport, verify=bundle, deadline=30
    ) as client:
        chat_both_ways(client)
        chat_both_ways(client)
    assert len(seen) == 4


def test_the_hostname_is_checked(ca: Any, real_transport: str) -> None:
    """A certificate from a trusted CA but for another name is refused."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("api.other.example").configure_cert(context)
    seen: List[str] = []
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/v1/chat/completions").respond_with_handler(chat_handler(seen, "secure"))
    server.start()
    try:
        with (
            ca.cert_pem.tempfile() as bundle,
            MegaNova(
                api_key=KEY,
                base_url=base(server),
                transport=real_transport,
                verify=bundle,
                max_retries=0,
            ) as client,
            pytest.raises(APIConnectionError) as info,
        ):
            client.chat.create(messages=USER, model="m")
        assert "TLS" in str(info.value)
        assert info.value.code == "certificate_verify_failed"
        assert seen == []
    finally:
        server.clear()
        server.stop()


def test_a_missing_ca_bundle_is_a_typed_error(
    tls_server: Tuple[HTTPServer, List[str], str], real_transport: str, tmp_path: Any
) -> None:
    server, _, _ = tls_server
    missing = str(tmp_path / "no-such-ca.pem")
    try:
        client = MegaNova(
            api_key=KEY,
            base_url=base(server),
            transport=real_transport,
            verify=missing,
            max_retries=0,
        )
    except Exception as exc:  # refused at construction is fine, if typed
        from meganova import MeganovaError

        assert isinstance(exc, MeganovaError), repr(exc)
        return
    try:
        with pytest.raises(APIConnectionError):
            client.chat.create(messages=USER, model="m")
    finally:
        client.close()


def test_plain_http_is_only_for_loopback(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.WARNING, logger="meganova")
    MegaNova(api_key=KEY, base_url="http://10.0.0.5:8080/v1", transport="stdlib").close()
    assert any("plain http" in r.getMessage() for r in caplog.records)
