"""client.usage, client.billing and client.serverless (platform base) against a fake."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.resources._support import platform_base
from meganova.errors import InvalidArgumentError, InvalidArgumentTypeError
from meganova.testing import endpoints
from tests.clock import VirtualClock


def make(*replies: FakeResponse, base_url: str | None = None) -> tuple[MegaNova, FakeTransport]:
    transport = FakeTransport(replies=replies)
    client = MegaNova(
        api_key="sk-test", base_url=base_url, transport=transport, clock=VirtualClock()
    )
    return client, transport


def query(transport: FakeTransport, n: int = -1) -> dict[str, list[str]]:
    return parse_qs(urlsplit(transport.requests[n].url).query)


def test_usage_summary_maps_to_time_range_and_keeps_rows() -> None:
    rows = [
        {
            "date": "2025-11-01",
            "model": "m",
            "tokens": 10,
            "cost": 0.5,
            "user_id": "u1",
            "surprise": {"x": 1},
        },
        {"date": "2025-11-02", "tokens": "many", "cost": 0.25},
    ]
    client, transport = make(
        FakeResponse.json(
            {"data": rows, "message": "ok", "status": "success"}, headers={"x-request-id": "u-1"}
        )
    )
    summary = client.usage.summary(
        from_="2025-11-01T00:00:00Z",
        to="2025-11-30T23:59:59Z",
        group_by="user",
        user_id="u1",
        team_id=0,
    )
    url = urlsplit(transport.requests[0].url)
    assert url.path == "/v1/usage/time_range"
    assert query(transport) == {
        "start_time": ["2025-11-01 00:00:00"],
        "end_time": ["2025-11-30 23:59:59"],
        "group_by": ["user"],
        "user_id": ["u1"],
        "team_id": ["0"],
    }
    assert summary.request_id == "u-1" and summary.status == "success"
    assert len(summary.rows) == 2 and summary.rows[0].cost == 0.5
    assert summary.rows[0].raw["surprise"] == {"x": 1}  # nothing the server sent is lost
    assert summary.rows[1].tokens is None and summary.rows[1].raw["tokens"] == "many"
    assert summary.total_cost == pytest.approx(0.75)
    assert summary.data == rows


def test_usage_accepts_datetimes_dates_and_bare_lists() -> None:
    client, transport = make(
        FakeResponse.json([{"model": "m", "cost": 1}]), FakeResponse.json({"rows": [{"cost": 2}]})
    )
    start = datetime(2025, 11, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    s = client.usage.summary(from_=start, to=datetime(2025, 11, 2))
    assert query(transport)["start_time"] == ["2025-11-01 07:00:00"]
    assert s.rows[0].cost == 1
    s = client.usage.summary(from_="2025-11-01", to="2025-11-01")
    assert query(transport)["start_time"] == ["2025-11-01"] and s.rows[0].cost == 2


@pytest.mark.parametrize(
    ("kwargs", "argument", "error"),
    [
        ({"from_": "2025-12-01", "to": "2025-11-01"}, "from_", InvalidArgumentError),
        ({"from_": "yesterday", "to": "2025-11-01"}, "from_", InvalidArgumentError),
        ({"from_": "2025-11-01", "to": 20251101}, "to", InvalidArgumentTypeError),
        (
            {"from_": "2025-11-01", "to": "2025-11-02", "group_by": 1},
            "group_by",
            InvalidArgumentTypeError,
        ),
    ],
)
def test_usage_rejects_bad_arguments_before_sending(kwargs, argument, error) -> None:  # type: ignore[no-untyped-def]
    client, transport = make()
    with pytest.raises(error) as info:
        client.usage.summary(**kwargs)
    assert info.value.argument == argument and transport.requests == []


def test_get_balance_reads_the_platform_credits_reply() -> None:
    client, transport = make(
        FakeResponse.json(
            {"data": {"available_balance": "1228.556"}, "message": "ok", "status": "success"},
            headers={"x-request-id": "b1"},
        )
    )
    balance = client.billing.get_balance()
    assert transport.requests[0].url == "https://api.meganova.ai/api/v1/users/credits"
    assert (balance.balance, balance.currency, balance.status) == (1228.556, None, "success")
    assert balance.request_id == "b1"
    client, _ = make(FakeResponse.json({"balance": 5, "currency": "USD", "status": "ok"}))
    # a top-level (non-envelope) balance
    b = client.billing.get_balance()
    assert b.status == "ok"


def test_instance_billings_typed() -> None:
    body = endpoints.billing()
    client, transport = make(FakeResponse.json(body, headers={"x-request-id": "i1"}))
    billings = client.billing.get_user_instance_billings()
    assert transport.requests[0].url.endswith("/v1/billing/user-instance-billings")
    assert billings.total_cost == 5.5 and billings.request_id == "i1"
    assert billings.data[0].vm_access_info_id == 311
    assert billings.data[0]["product_status"] == "running"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://api.meganova.ai/v1", "https://api.meganova.ai/api/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/api/v1"),
        ("https://gw.example/v1/meganova/v1", "https://gw.example/v1/meganova/api/v1"),
        ("https://api.meganova.ai/api/v1", "https://api.meganova.ai/api/v1"),
        ("https://v1.example.com", "https://v1.example.com/api/v1"),
        ("https://proxy.example/v10", "https://proxy.example/v10/api/v1"),
    ],
)
def test_platform_base_is_derived_from_path_segments(base: str, expected: str) -> None:
    assert platform_base(base) == expected


CATALOGUE = {
    "data": {
        "count": 2,
        "models": [
            {
                "model_name": "Qwen/Qwen3-235B-A22B-Instruct-2507",
                "model_alias": "Qwen3",
                "modality": "text_generation",
                "context_length": 262144,
                "input_price": 0.2,
                "cost_per_1k_input": 0.0002,
                "tier2+_require": True,
                "tags": {"model_family": ["Qwen"]},
                "restrictions": {"restriction_type": "region"},
            },
            {"model_name": "odd/one", "context_length": "long", "tier2+_require": "maybe"},
        ],
        "tag_counts": {"model_family": {"Qwen": 6}},
    },
    "message": "ok",
    "status": "success",
}


def test_serverless_list_models_unwraps_data_and_builds_query() -> None:
    client, transport = make(
        FakeResponse.json(CATALOGUE, headers={"x-request-id": "s1"}),
        base_url="https://gw.example/v1",
    )
    cat = client.serverless.list_models(
        modality=["text_generation", "multimodal"],
        search="qwen",
        highlight="free",
        filter_logic="and",
        include_tag_counts=False,
    )
    url = urlsplit(transport.requests[0].url)
    assert (url.netloc, url.path) == ("gw.example", "/api/v1/serverless/models/filter")
    assert query(transport) == {
        "modality": ["text_generation,multimodal"],
        "search": ["qwen"],
        "highlight": ["free"],
        "filter_logic": ["and"],
        "include_tag_counts": ["false"],
    }
    assert cat.count == 2 and cat.request_id == "s1" and cat.tag_counts is not None
    first, odd = cat.models
    assert first.id == first.model_name and first.tier2_required is True
    assert first.restrictions == {"restriction_type": "region"}
    assert odd.model_name == "odd/one" and odd.context_length is None


def test_serverless_accepts_unwrapped_and_bare_shapes() -> None:
    client, _ = make(
        FakeResponse.json({"models": [{"model_name": "a"}], "count": 1}),
        FakeResponse.json([{"model_name": "b"}]),
    )
    assert [m.model_name for m in client.serverless.list_models().models] == ["a"]
    assert [m.model_name for m in client.serverless.list_models().models] == ["b"]


def test_serverless_rejects_bad_filters() -> None:
    client, transport = make()
    for kwargs, argument in [
        ({"filter_logic": "xor"}, "filter_logic"),
        ({"modality": []}, "modality"),
        ({"search": ""}, "search"),
        ({"include_tag_counts": "yes"}, "include_tag_counts"),
    ]:
        with pytest.raises(InvalidArgumentError) as info:
            client.serverless.list_models(**kwargs)
        assert info.value.argument == argument
    assert transport.requests == []


def test_envelope_side_fields_of_odd_types_keep_the_payload() -> None:
    client, _ = make(FakeResponse.json({"data": [{"cost": 1}], "message": {"m": 1}, "status": 0}))
    s = client.usage.summary(from_="2025-11-01", to="2025-11-02")
    assert s.rows[0].cost == 1 and s.status == "0"


def test_total_cost_has_no_float_noise() -> None:
    from meganova.core.models.usage import UsageRow, UsageSummary

    summary = UsageSummary(rows=[UsageRow(cost=c) for c in (0.1, 0.2, 0.3) * 5])
    assert summary.total_cost == 3.0  # a plain sum gives 3.0000000000000004
