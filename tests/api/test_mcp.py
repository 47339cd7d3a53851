"""The MCP server at /mcp, driven by the SDK's own client against the live server.

It lists the tools, calls each, and gets what the REST API gives for the same filters.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest
from django.test import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from api.mcp_server import TOOL_NAMES
from tests.api.conftest import get
from tests.factories import make_order

pytestmark = pytest.mark.django_db(transaction=True)


def mcp_session(url: str, key: str, work: Any) -> Any:
    """Open an MCP session over streamable HTTP with the token, run `work(session)`."""

    async def run() -> Any:
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            create_mcp_http_client(headers=headers) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    # In a thread of its own: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, run).result(timeout=60)


def call(live_server, key: str, tool: str, arguments: dict[str, Any]) -> Any:
    async def work(session: ClientSession) -> Any:
        return await session.call_tool(tool, arguments)

    return mcp_session(live_server.url + "/mcp", key, work)


def test_the_client_lists_the_read_only_tools_with_input_schemas(world, live_server):
    async def work(session: ClientSession) -> Any:
        return (await session.list_tools()).tools

    tools = {
        tool.name: tool for tool in mcp_session(live_server.url + "/mcp", world.admin_key, work)
    }
    assert set(tools) == set(TOOL_NAMES)
    for tool in tools.values():
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.description and len(tool.description) < 200
        assert tool.input_schema["type"] == "object"
        assert "ctx" not in tool.input_schema.get("properties", {})
    status = tools["list-orders"].input_schema["properties"]["status"]
    assert "AWAITING_SHIPMENT" in str(status)
    assert tools["get-order"].input_schema["required"] == ["order_id"]


def test_list_orders_gives_the_apis_orders_for_the_same_filters(world, live_server):
    for _ in range(4):
        make_order(world.mine)
    make_order(world.mine, status="CANCELLED")
    filters = [{}, {"status": "CANCELLED"}, {"status": "AWAITING_SHIPMENT", "limit": 2}]
    for key in (world.admin_key, world.operator_key):
        for arguments in filters:
            result = call(live_server, key, "list-orders", arguments)
            assert result.is_error is False
            assert result.structured_content == get("/api/v1/orders", key, **arguments).json()
    # The next page through the cursor, both ways.
    first = call(live_server, world.operator_key, "list-orders", {"limit": 2}).structured_content
    second = call(
        live_server, world.operator_key, "list-orders", {"limit": 2, "cursor": first["next_cursor"]}
    ).structured_content
    rest = get("/api/v1/orders", world.operator_key, limit=2, cursor=first["next_cursor"]).json()
    assert second == rest and second["items"]


@pytest.mark.parametrize(
    ("tool", "path"),
    [
        ("list-shops", "/api/v1/shops"),
        ("list-products", "/api/v1/products"),
        ("list-payments", "/api/v1/payments"),
        ("list-returns", "/api/v1/returns"),
    ],
)
def test_each_list_tool_returns_the_apis_list(world, live_server, tool, path):
    for key, visible in ((world.admin_key, 2), (world.operator_key, 1)):
        result = call(live_server, key, tool, {})
        assert result.is_error is False
        assert result.structured_content == get(path, key).json()
        assert len(result.structured_content["items"]) == visible


@pytest.mark.parametrize(("tool", "name"), [("get-order", "orders"), ("get-product", "products")])
def test_get_tools_return_the_apis_detail_and_hide_other_shops(world, live_server, tool, name):
    argument = "order_id" if name == "orders" else "product_id"
    mine, theirs = world.ids[name]["mine"], world.ids[name]["theirs"]
    result = call(live_server, world.operator_key, tool, {argument: mine})
    assert result.structured_content == get(f"/api/v1/{name}/{mine}", world.operator_key).json()
    assert call(live_server, world.admin_key, tool, {argument: theirs}).is_error is False
    hidden = call(live_server, world.operator_key, tool, {argument: theirs})
    missing = call(live_server, world.operator_key, tool, {argument: "12345"})
    assert hidden.is_error is missing.is_error is True
    assert hidden.content[0].text == missing.content[0].text
    assert "Not found" in hidden.content[0].text


def test_hostile_arguments_are_tool_errors_naming_the_field(world, live_server):
    cases = [
        ("list-orders", {"status": "\x00"}, "status"),
        ("list-orders", {"date_from": "2026-02-30"}, "date_from"),
        ("list-orders", {"q": "x" * 5000}, "q"),
        ("list-orders", {"cursor": "²"}, "cursor"),
        ("list-products", {"shop": world.theirs.tiktok_id}, "shop"),
        ("list-payments", {"status": "NOPE"}, "status"),
        ("list-returns", {"shop": "a\x00b"}, "shop"),
    ]
    for tool, arguments, field in cases:
        result = call(live_server, world.operator_key, tool, arguments)
        assert result.is_error is True, (tool, arguments)
        assert f"{field}:" in result.content[0].text
    # Out of the schema's range: refused by the SDK before the tool runs.
    result = call(live_server, world.operator_key, "list-orders", {"limit": 0})
    assert result.is_error is True
    result = call(live_server, world.operator_key, "get-order", {"order_id": "\x00" * 5000})
    assert result.is_error is True


def test_no_token_a_bad_or_revoked_one_is_401(world, live_server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in (
        {},
        {"Authorization": f"Bearer {world.revoked_key}"},
        {"Authorization": "Bearer tbo_nope"},
    ):
        response = httpx.post(
            live_server.url + "/mcp", json=body, headers={**accept, **headers}, timeout=30
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_mcp_endpoint_shares_the_tokens_rate_limit(world, live_server, settings):
    settings.API_RATE_LIMIT = 2
    get("/api/v1/shops", world.operator_key)
    get("/api/v1/shops", world.operator_key)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    response = httpx.post(
        live_server.url + "/mcp",
        json=body,
        headers={"Authorization": f"Bearer {world.operator_key}"},
        timeout=30,
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_only_posts_are_served_and_bad_ones_get_json_rpc_errors(world):
    auth = {"Authorization": f"Bearer {world.operator_key}"}
    client = Client()
    # A GET would open a stream of server messages that holds a web thread: not offered.
    for method in (client.get, client.delete):
        response = method("/mcp", headers={**auth, "Accept": "text/event-stream"})
        assert response.status_code == 405
        assert response["Allow"] == "POST"
    accept = {"Accept": "application/json, text/event-stream"}
    for body in ("not json", "\x00" * 5000):
        response = client.post(
            "/mcp", data=body, content_type="application/json", headers={**auth, **accept}
        )
        assert response.status_code == 400, (body[:10], response.content[:200])
        assert response.json()["error"]["code"] == -32700
    unknown = '{"jsonrpc": "2.0", "id": 1, "method": "²"}'
    response = client.post(
        "/mcp", data=unknown, content_type="application/json", headers={**auth, **accept}
    )
    assert response.json()["error"]["code"] == -32601
