"""The MCP server at /mcp: the official SDK's tools over streamable HTTP, inside the web process.

The SDK's ASGI app runs in stateless JSON-response mode (one POST in, one JSON answer out, no
session to keep between requests or processes) on an event loop in a thread of each web
process; a Django view authenticates the token, then hands the request to it through a2wsgi.
So gunicorn (`make run`) and the test live server serve it the same way, with no new process.
The tools read through `api.reads`, so they return what the REST API returns.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from io import BytesIO
from typing import Annotated, Any, cast

from a2wsgi import ASGIMiddleware
from django.contrib.auth.models import User
from django.db import connection
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import Field

from api import reads, schemas
from catalog.models import Product
from finance.models import PaymentStatus
from fulfillment.models import RETURN_STATUSES
from orders.filters import SHIP_BY
from orders.models import OrderStatus

# Where the view leaves the authenticated person for the tools (the WSGI environ travels
# into the ASGI scope as scope["wsgi_environ"]).
USER_KEY = "backoffice.api.user_id"

READ_ONLY = ToolAnnotations(
    read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=False
)

server: MCPServer = MCPServer(
    name="tiktok-backoffice",
    instructions=(
        "Read-only access to a TikTok Shop seller's mirrored shops: products, orders, payments, "
        "shops and returns. Lists are newest first; pass next_cursor back as cursor for more. "
        "Ids are strings, money is a decimal string with its currency, times are UTC."
    ),
)


def _user(ctx: Context) -> User:
    request = ctx.request_context.request
    user_id: int | None = request.scope["wsgi_environ"][USER_KEY] if request is not None else None
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise ToolError("Not authenticated.")
    return user


def _call(ctx: Context, read: Callable[[User], Any]) -> Any:
    # Tools run in the SDK's worker threads, outside Django's request cycle, which would keep
    # their connections open for good: each call opens and closes its own.
    try:
        return read(_user(ctx))
    except reads.QueryError as exc:
        fields = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.errors.items())
        raise ToolError(f"Fix these arguments: {fields}") from exc
    except reads.NotFound as exc:
        raise ToolError("Not found among the shops you may see.") from exc
    finally:
        connection.close()


def _list(ctx: Context, name: str, **params: Any) -> schemas.Page:
    values = {key: _text(value) for key, value in params.items() if value is not None}
    return _call(ctx, lambda user: reads.list_page(name, user, values))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _choices(choices: Any) -> list[str]:
    return [str(value) for value, _ in choices]


Shop = Annotated[str | None, Field(description="A shop's TikTok id (see list-shops).")]
Cursor = Annotated[str | None, Field(description="next_cursor of the previous page.")]
Limit = Annotated[
    int | None, Field(description="Rows per page (default 50).", ge=1, le=reads.MAX_LIMIT)
]
Day = Annotated[str | None, Field(description="A UTC day, YYYY-MM-DD.")]


def _status(choices: Any, what: str) -> Any:
    return Annotated[
        str | None,
        Field(description=f"Only {what} in this status.", json_schema_extra={"enum": choices}),
    ]


@server.tool(
    name="list-shops",
    description="The shops this token may see, with their TikTok ids (use them as `shop`).",
    annotations=READ_ONLY,
)
def list_shops(
    ctx: Context, cursor: Cursor = None, limit: Limit = None
) -> schemas.Page[schemas.ShopOut]:
    return _list(ctx, "shops", cursor=cursor, limit=limit)


@server.tool(
    name="list-products",
    description="Products, newest first; filter by shop, status, stock or a title/SKU search.",
    annotations=READ_ONLY,
)
def list_products(
    ctx: Context,
    shop: Shop = None,
    status: _status(_choices(Product.Status.choices), "products") = None,  # type: ignore[valid-type]
    stock: Annotated[
        str | None,
        Field(
            description="out: a SKU out of stock; low: a SKU low on stock.",
            json_schema_extra={"enum": ["out", "low"]},
        ),
    ] = None,
    q: Annotated[str | None, Field(description="Title, or seller SKU (starts with).")] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> schemas.Page[schemas.ProductOut]:
    return _list(
        ctx, "products", shop=shop, status=status, stock=stock, q=q, cursor=cursor, limit=limit
    )


@server.tool(
    name="get-product",
    description="One product by its TikTok id, with every SKU's price and stock per warehouse.",
    annotations=READ_ONLY,
)
def get_product(
    ctx: Context, product_id: Annotated[str, Field(description="The product's TikTok id.")]
) -> schemas.ProductDetailOut:
    return _call(ctx, lambda user: reads.detail("products", user, product_id))


@server.tool(
    name="list-orders",
    description=(
        "Orders, newest first; filter by shop, status, creation days (UTC), ship-by window, "
        "buyer cancel requests, or search an order id, seller SKU or buyer."
    ),
    annotations=READ_ONLY,
)
def list_orders(
    ctx: Context,
    shop: Shop = None,
    status: _status(_choices(OrderStatus.choices), "orders") = None,  # type: ignore[valid-type]
    date_from: Day = None,
    date_to: Day = None,
    ship: Annotated[
        str | None,
        Field(
            description="late, today or tomorrow: orders still to ship by then.",
            json_schema_extra={"enum": _choices(SHIP_BY)},
        ),
    ] = None,
    cancel_requested: Annotated[
        bool | None, Field(description="Only orders whose buyer asks to cancel.")
    ] = None,
    q: Annotated[str | None, Field(description="Order id, seller SKU or buyer.")] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> schemas.Page[schemas.OrderOut]:
    return _list(
        ctx,
        "orders",
        shop=shop,
        status=status,
        date_from=date_from,
        date_to=date_to,
        ship=ship,
        cancel_requested=cancel_requested,
        q=q,
        cursor=cursor,
        limit=limit,
    )


@server.tool(
    name="get-order",
    description="One order by its TikTok id, with its lines, amounts and package ids.",
    annotations=READ_ONLY,
)
def get_order(
    ctx: Context, order_id: Annotated[str, Field(description="The order's TikTok id.")]
) -> schemas.OrderDetailOut:
    return _call(ctx, lambda user: reads.detail("orders", user, order_id))


@server.tool(
    name="list-payments",
    description="Payouts to the seller's bank account, newest first; by shop, days or status.",
    annotations=READ_ONLY,
)
def list_payments(
    ctx: Context,
    shop: Shop = None,
    status: _status(_choices(PaymentStatus.choices), "payments") = None,  # type: ignore[valid-type]
    date_from: Day = None,
    date_to: Day = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> schemas.Page[schemas.PaymentOut]:
    return _list(
        ctx,
        "payments",
        shop=shop,
        status=status,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        limit=limit,
    )


@server.tool(
    name="list-returns",
    description="Returns and refund requests, newest first; `due` lists those waiting for you.",
    annotations=READ_ONLY,
)
def list_returns(
    ctx: Context,
    shop: Shop = None,
    status: _status(_choices(RETURN_STATUSES), "returns") = None,  # type: ignore[valid-type]
    due: Annotated[
        bool | None, Field(description="Only those waiting for the seller's decision.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> schemas.Page[schemas.ReturnOut]:
    return _list(ctx, "returns", shop=shop, status=status, due=due, cursor=cursor, limit=limit)


TOOL_NAMES = (
    "list-shops",
    "list-products",
    "get-product",
    "list-orders",
    "get-order",
    "list-payments",
    "list-returns",
)


# --- the bridge from Django's WSGI request to the SDK's ASGI app ------------------------------

_bridge: ASGIMiddleware | None = None
_bridge_lock = threading.Lock()


def _start_bridge() -> ASGIMiddleware:
    """The SDK's app on its own event loop thread, its session manager running for good."""
    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        # Host and origin are Django's to check (ALLOWED_HOSTS, CSRF-free token auth).
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="mcp-loop", daemon=True).start()
    started = threading.Event()

    async def run_forever() -> None:
        async with app.router.lifespan_context(app):
            started.set()
            await asyncio.Event().wait()

    asyncio.run_coroutine_threadsafe(run_forever(), loop)
    if not started.wait(timeout=10):
        raise RuntimeError("the MCP session manager did not start")
    return ASGIMiddleware(cast(Any, app), loop=loop)


def bridge() -> ASGIMiddleware:
    """The process's MCP app, started on first use (after gunicorn forked its workers)."""
    global _bridge
    with _bridge_lock:
        if _bridge is None:
            _bridge = _start_bridge()
        return _bridge


def serve(environ: dict[str, Any], body: bytes, user_id: int) -> tuple[int, list, bytes]:
    """Answer one MCP request for a person: status, headers and the JSON body."""
    environ = {
        **environ,
        "wsgi.input": BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "PATH_INFO": "/mcp",
        "SCRIPT_NAME": "",
        USER_KEY: user_id,
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        answer["status"] = int(status.split(" ", 1)[0])
        answer["headers"] = headers

    chunks = bridge()(cast(Any, environ), cast(Any, start_response))
    content = b"".join(chunks)
    return answer.get("status", 500), answer.get("headers", []), content
