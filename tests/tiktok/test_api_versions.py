"""The client calls no API version TikTok has retired, and at least the newest §18 names."""

from __future__ import annotations

import re

import pytest

from tiktok import client as client_module
from tiktok.client import API_VERSIONS, Endpoint
from tiktok.sandbox.config import RETIRED_VERSIONS

# Contract §18, "Retired or past their sunset — stop calling" (templates with {v}).
RETIRED = {
    "/finance/{v}/statements/{statement_id}/statement_transactions": {"202309"},
    "/finance/{v}/orders/{order_id}/statement_transactions": {"202309"},
    "/finance/{v}/payments": {"202309"},
}
# Every version below 202309 ("V1") was shut off on 2025-12-31.
FLOOR = "202309"
# Contract §18, "Newer versions to move to": the client must be at least there.
NEWEST = {
    "search_products": "202502",
    "get_orders": "202507",
    "mark_package_shipped": "202610",
    "update_package_shipping_info": "202610",
    "search_returns": "202602",
    "search_cancellations": "202602",
    "reject_return": "202606",
    "cancel_order": "202602",
    "calculate_refund": "202602",
    "get_aftersale_eligibility": "202602",
    "get_decision_eligibility": "202601",
    "approve_return": "202309",
    "get_unsettled_orders": "202507",
    "get_statement_transactions": "202501",
    "get_order_statement_transactions": "202501",
    "get_payments": "202605",
}
_VERSION = re.compile(r"^/([a-z_]+)/(\d{6})(/.*)$")


def _endpoints() -> dict[str, Endpoint]:
    return {
        name: value for name, value in vars(client_module).items() if isinstance(value, Endpoint)
    }


def _template(path: str) -> tuple[str, str]:
    match = _VERSION.match(path)
    assert match, f"{path} has no version segment"
    category, version, rest = match.groups()
    return f"/{category}/{{v}}{rest}", version


def test_every_endpoint_is_in_the_version_table() -> None:
    endpoints = _endpoints()
    assert len(endpoints) == len(API_VERSIONS) > 40
    for name, endpoint in endpoints.items():
        _template_path, version = _template(endpoint.path)
        assert API_VERSIONS[name.lower()] == version, name


def _retired_calls(endpoints: dict[str, Endpoint]) -> list[str]:
    """Each endpoint calling a version §18 retired or below the floor."""
    found = []
    for name, endpoint in endpoints.items():
        template, version = _template(endpoint.path)
        if version < FLOOR or version in RETIRED.get(template, set()):
            found.append(f"{name} calls {endpoint.path}")
    return found


def test_no_endpoint_calls_a_retired_version() -> None:
    assert _retired_calls(_endpoints()) == []


@pytest.mark.parametrize(
    "path",
    [
        "/finance/202309/payments",
        "/finance/202309/statements/{statement_id}/statement_transactions",
        "/finance/202309/orders/{order_id}/statement_transactions",
        "/order/202212/orders",
    ],
)
def test_a_retired_version_is_caught(path: str) -> None:
    endpoints = {**_endpoints(), "OLD": Endpoint("GET", path)}
    assert _retired_calls(endpoints) == [f"OLD calls {path}"]


@pytest.mark.parametrize(("name", "newest"), sorted(NEWEST.items()))
def test_moved_endpoints_are_at_the_newest_version(name: str, newest: str) -> None:
    assert API_VERSIONS[name] >= newest


def test_the_sandbox_retires_what_the_contract_retires() -> None:
    assert {k: set(v) for k, v in RETIRED_VERSIONS.items()} == RETIRED
