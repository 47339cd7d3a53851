"""The control API under /_sandbox/: JSON, unsigned, for scripts, tests and the demo."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tiktok.events import EVENT_TYPE_NUMBERS, NEWER_WEBHOOK_TOPICS

from . import docs
from .data import ORDER_STATUSES, Seller, Shop
from .state import SandboxError
from .views import (
    cancellation_view,
    facts,
    order_view,
    package_detail,
    packages,
    product_view,
    return_view,
)

if TYPE_CHECKING:
    from .app import Request, SandboxApp, StartResponse

SIZES = ("seed", "sellers", "shops_per_seller", "products", "orders", "days", "anchor")


def _json(start_response: StartResponse, data: Any, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(data, default=str, ensure_ascii=False).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


class ControlError(Exception):
    """A control call that cannot be done, answered 400/404 with a message."""

    def __init__(self, message: str, status: str = "400 Bad Request") -> None:
        super().__init__(message)
        self.status = status


def handle(app: SandboxApp, req: Request, start_response: StartResponse) -> Iterable[bytes]:
    """Dispatch one control call."""
    path = req.path[len("/_sandbox") :].strip("/")
    if path.startswith("docs/"):
        return _doc(app, path[len("docs/") :], start_response)
    try:
        body = json.loads(req.body) if req.body.strip() else {}
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        args = {**req.query, **body}
        parts = path.split("/") if path else []
        key = (req.method, parts[0] if parts else "")
        handler = HANDLERS.get(key)
        if handler is None:
            raise ControlError(f"no control call {req.method} /_sandbox/{path}", "404 Not Found")
        with app.store.lock:
            return _json(start_response, handler(app, parts[1:], args))
    except ControlError as err:
        return _json(start_response, {"error": str(err)}, err.status)
    except SandboxError as err:
        return _json(start_response, {"error": err.message, "code": err.code}, "400 Bad Request")
    except ValueError as err:
        return _json(start_response, {"error": f"bad request: {err}"}, "400 Bad Request")


def _doc(app: SandboxApp, name: str, start_response: StartResponse) -> Iterable[bytes]:
    token = name.removesuffix(".pdf")
    with app.store.lock:
        doc = app.docs.get(token, app.store.now())
        if doc is None:
            start_response(
                "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "28")]
            )
            return [b"document expired or unknown"]
        shop = app.store.world.shops[doc.shop_no]
        f = facts(shop, doc.idx)
    # Drawn outside the store lock, so API calls are not held up behind a PDF (a real TikTok
    # serves its documents from a CDN); the facts were read under it.
    pdf = docs.render(shop, f, doc.k, doc.doc_type, doc.size)
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/pdf"),
            ("Content-Length", str(len(pdf))),
            ("Content-Disposition", f"inline; filename={doc.doc_type.lower()}.pdf"),
        ],
    )
    return [pdf]


# -- helpers -----------------------------------------------------------------------------------
def _seller(app: SandboxApp, args: dict[str, Any]) -> Seller:
    key = str(args.get("seller") or args.get("seller_id") or app.store.world.sellers[0].login)
    seller = app.store.world.seller(key)
    if seller is None:
        raise ControlError(f"unknown seller {key!r}", "404 Not Found")
    return seller


def _shop(app: SandboxApp, args: dict[str, Any]) -> Shop:
    key = str(args.get("shop_id") or args.get("shop_cipher") or "")
    world = app.store.world
    shop = (world.shop_by_id(key) or world.shop_by_cipher(key)) if key else world.shops[0]
    if shop is None:
        raise ControlError(f"unknown shop {key!r}", "404 Not Found")
    return shop


def _order(app: SandboxApp, order_id: str) -> tuple[Shop, int]:
    found = app.store.locate_order(order_id)
    if found is None:
        raise ControlError(f"unknown order {order_id!r}", "404 Not Found")
    return found


def _shop_public(shop: Shop) -> dict[str, Any]:
    return {
        "id": shop.id,
        "name": shop.name,
        "region": shop.region,
        "currency": shop.currency,
        "seller_type": shop.seller_type,
        "cipher": shop.cipher,
        "code": shop.code,
        "orders": len(shop.orders),
        "products": len(shop.products),
        "warehouses": [{"id": w.id, "name": w.name, "type": w.type} for w in shop.warehouses],
    }


def _app_info(app: SandboxApp) -> dict[str, Any]:
    cfg = app.cfg
    return {
        "app_key": cfg.app_key,
        "app_secret": cfg.app_secret,
        "service_id": cfg.service_id,
        "redirect_url": cfg.redirect_url,
        "consent_path": "/open/authorize?" + urlencode({"service_id": cfg.service_id}),
        "token_paths": ["/api/v2/token/get", "/api/v2/token/refresh"],
        "access_token_ttl": cfg.access_token_ttl,
        "refresh_token_ttl": cfg.refresh_token_ttl,
        "rate_limit": app.limiter.rate,
        "webhook_url": cfg.webhook_url,
        "live": app.live.running if getattr(app, "live", None) else False,
    }


# -- calls ---------------------------------------------------------------------------------------
def summary(app: SandboxApp, _parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """What is running: config, clock and sizes."""
    store = app.store
    return {
        "app": _app_info(app),
        "seed": app.cfg.seed,
        "anchor": store.world.anchor,
        "now": store.now(),
        "clock_offset": store.offset,
        "generated_in_seconds": round(store.generated_in, 3),
        "sellers": len(store.world.sellers),
        "shops": len(store.world.shops),
        "orders": sum(len(s.orders) for s in store.world.shops),
        "requests": app.requests,
    }


def app_config(app: SandboxApp, _parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """The app credentials and URLs a client needs."""
    return _app_info(app)


def sellers(app: SandboxApp, _parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """Sellers (demo logins) and their shops."""
    world = app.store.world
    return {
        "sellers": [
            {
                "id": s.id,
                "login": s.login,
                "name": s.name,
                "seller_type": s.seller_type,
                "base_region": s.base_region,
                "shops": [_shop_public(world.shops[n]) for n in s.shop_nos],
            }
            for s in world.sellers
        ]
    }


def reset(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Regenerate everything from a seed and sizes; tokens, subscriptions and webhooks are lost."""
    for name in SIZES:
        if name in args and args[name] is not None:
            setattr(app.cfg, name, int(args[name]))
    app.store.offset = 0
    app.store.load()
    app.webhooks.clear()
    return summary(app, [], {})


def auth_code(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """An auth code for a seller without the browser (what Authorize would redirect with)."""
    seller = _seller(app, args)
    scopes = args.get("scopes")
    code = app.store.issue_code(seller, scopes if isinstance(scopes, list) else None)
    params = {"code": code, **({"state": str(args["state"])} if args.get("state") else {})}
    redirect = (
        app.cfg.redirect_url + ("&" if "?" in app.cfg.redirect_url else "?") + urlencode(params)
    )
    return {
        "code": code,
        "seller_id": seller.id,
        "expires": app.store.codes[code].expires,
        "redirect": redirect,
    }


def token(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """A token pair for a seller in one step (code issued and exchanged)."""
    code = auth_code(app, [], args)["code"]
    return app.store.exchange_code(code)


def order(app: SandboxApp, parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """An order as the API shows it, plus the shop it belongs to."""
    if not parts:
        raise ControlError("give an order id: /_sandbox/orders/<id>")
    shop, idx = _order(app, parts[0])
    return {"shop_id": shop.id, "shop_cipher": shop.cipher, "order": order_view(facts(shop, idx))}


def product(app: SandboxApp, parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """A product as Get Product shows it."""
    for shop in app.store.world.shops:
        if parts and parts[0] in shop.products:
            return {
                "shop_id": shop.id,
                "shop_cipher": shop.cipher,
                "product": product_view(shop.products[parts[0]], shop),
            }
    raise ControlError("unknown product", "404 Not Found")


def promotion(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Put a product in a promotion for `days` (0 ends it): Update Price refuses it meanwhile."""
    product_id = str(args.get("product_id", ""))
    found = next(
        (s.products[product_id] for s in app.store.world.shops if product_id in s.products), None
    )
    if found is None:
        raise ControlError("unknown product", "404 Not Found")
    try:
        days = float(args.get("days", 7))
    except (TypeError, ValueError):
        days = -1.0
    if not 0 <= days <= 365:  # also refuses nan
        raise ControlError("days must be a number from 0 to 365")
    found.promotion_until = app.store.now() + int(days * 86400) if days > 0 else 0
    return {"product_id": product_id, "promotion_until": found.promotion_until}


def package(app: SandboxApp, parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """A package as Get Package Detail shows it."""
    found = app.store.locate_package(parts[0]) if parts else None
    if found is None:
        raise ControlError("unknown package", "404 Not Found")
    shop, idx, k = found
    f = facts(shop, idx)
    pkg = next((p for p in packages(f) if p.k == k), None)
    if pkg is None:
        raise ControlError("the package does not exist yet", "404 Not Found")
    return {"shop_id": shop.id, "package": package_detail(f, pkg)}


def aftersale(app: SandboxApp, parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """A return or a cancellation as the search endpoints show it."""
    found = app.store.locate_aftersale(parts[0]) if parts else None
    if found is None:
        raise ControlError("unknown return or cancellation", "404 Not Found")
    shop, rec = found
    f = facts(shop, rec.order_idx)
    if rec.kind == "return":
        wh = next((w for w in shop.warehouses if w.type == "RETURN_WAREHOUSE"), None)
        return {"shop_id": shop.id, "return": return_view(f, rec, wh)}
    return {"shop_id": shop.id, "cancellation": cancellation_view(f, rec)}


def counts(app: SandboxApp, _parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """Orders by status, products, returns and cancellations per shop."""
    result = []
    for shop in app.store.world.shops:
        status = shop.orders.status
        result.append(
            {
                "shop_id": shop.id,
                "orders": len(shop.orders),
                "orders_by_status": {
                    name: status.count(bytes([code])) for code, name in enumerate(ORDER_STATUSES)
                },
                "products": len(shop.products),
                "skus": len(shop.skus),
                "returns": len(shop.returns),
                "cancellations": len(shop.cancellations),
            }
        )
    return {"shops": result}


def changes(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Writes applied since a sequence number (what a push changed)."""
    since = int(args.get("since", 0))
    rows = [dataclasses.asdict(c) for c in app.store.changes if c.seq > since]
    return {"changes": rows[-int(args.get("limit", 1000)) :]}


def writes(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Writes received and applied per endpoint and idempotency key (filter: endpoint, key)."""
    endpoint = str(args.get("endpoint") or "")
    key = args.get("key")
    rows = [
        {**row, "paths": list(row["paths"])}
        for row in app.store.writes.values()
        if (not endpoint or row["endpoint"] == endpoint) and (key is None or row["key"] == key)
    ]
    return {
        "writes": rows,
        "received": sum(r["received"] for r in rows),
        "applied": sum(r["applied"] for r in rows),
    }


def faults(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Read or set faults; also expire tokens, queue `next` faults, change the rate limit."""
    if args:
        app.faults.configure(args)
        if "rate_limit" in args:
            app.limiter.set_rate(int(args["rate_limit"]))
        if args.get("expire_tokens"):
            app.store.expire_access_tokens()
    return {
        "faults": app.faults.config.as_dict(),
        "counts": app.faults.counts,
        "rate_limit": app.limiter.rate,
    }


def expire_tokens(app: SandboxApp, _parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """Expire every access token now (refresh tokens keep working)."""
    return {"expired": app.store.expire_access_tokens()}


def revoke(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Revoke a seller's authorization: tokens stop working, webhook 6 goes to each shop."""
    return {"revoked": app.store.revoke(_seller(app, args))}


def expiring(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Push the upcoming-authorization-expiration webhook (type 7) to a seller's shops."""
    app.store.warn_expiring(_seller(app, args), int(args.get("days", 30)))
    return {"ok": True}


def clock(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Read the sandbox clock, or advance it by `advance` seconds (time-driven steps then run)."""
    if "advance" in args:
        app.store.advance(int(args["advance"]))
    app.store.tick()
    return {"now": app.store.now(), "offset": app.store.offset}


def lifecycle(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Move one order a step (`order_id`), or run `steps` random live-mode events."""
    if args.get("order_id"):
        shop, idx = _order(app, str(args["order_id"]))
        return {"order_id": args["order_id"], "status": app.store.advance_order(shop, idx)}
    if "live" in args:
        app.live.configure(bool(args["live"]), float(args.get("pace", app.cfg.pace)))
    events = [app.store.live_step() for _ in range(int(args.get("steps", 0)))]
    return {"events": events, "live": app.live.running}


def create_order(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Create an order in a shop (optionally already at `status`); webhook 1 goes out."""
    shop = _shop(app, args)
    status = str(args.get("status", "UNPAID"))
    if status not in ORDER_STATUSES:
        raise ControlError(f"unknown status {status!r}")
    idx = app.store.create_order(
        shop, status=status, n_items=args.get("items"), bundle=bool(args.get("bundle"))
    )
    return {"shop_id": shop.id, "order": order_view(facts(shop, idx))}


def create_return(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """The buyer requests a return of a delivered order; webhook 12 goes out."""
    shop, idx = _order(app, str(args.get("order_id", "")))
    rec = app.store.request_return(shop, idx, str(args.get("type", "RETURN_AND_REFUND")))
    return aftersale(app, [rec.id], {})


def create_cancellation(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """The buyer requests a cancellation of an unshipped order; webhook 11 goes out."""
    shop, idx = _order(app, str(args.get("order_id", "")))
    rec = app.store.request_cancellation(shop, idx)
    return aftersale(app, [rec.id], {})


def buyer_ships_return(app: SandboxApp, parts: list[str], _args: dict[str, Any]) -> dict[str, Any]:
    """The buyer sends back the goods of an approved return."""
    found = app.store.locate_aftersale(parts[0]) if parts else None
    if found is None or found[1].kind != "return":
        raise ControlError("unknown return", "404 Not Found")
    app.store.buyer_ships_return(*found)
    return aftersale(app, [found[1].id], {})


def address(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """The buyer changes the delivery address; webhook 3 goes out."""
    shop, idx = _order(app, str(args.get("order_id", "")))
    app.store.change_address(shop, idx)
    return {"order": order_view(facts(shop, idx))}


def webhooks(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Deliveries so far (filter with `since` id, `shop_id`, `state`)."""
    since = int(args.get("since", 0))
    rows = [
        d.as_dict()
        for d in list(app.webhooks.deliveries)
        if d.id > since
        and (not args.get("shop_id") or d.shop_id == args["shop_id"])
        and (not args.get("state") or d.state == args["state"])
    ]
    return {"deliveries": rows, "unrouted": app.webhooks.unrouted}


def subscribe(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Subscribe an address to event types of a shop (or all shops), as Partner Center does."""
    url = str(args.get("address") or "")
    if not url:
        raise ControlError("give an `address`")
    types = [str(t) for t in args.get("event_types") or [args.get("event_type") or "ALL"]]
    newer = [str(n) for n in NEWER_WEBHOOK_TOPICS]
    if types == ["ALL"]:
        types = [*EVENT_TYPE_NUMBERS, *newer]
    shops = (
        app.store.world.shops
        if args.get("all_shops") or not (args.get("shop_id") or args.get("shop_cipher"))
        else [_shop(app, args)]
    )
    for shop in shops:
        for event_type in types:
            # newer topics have no Event API name: they are subscribed by number here
            if event_type not in EVENT_TYPE_NUMBERS and event_type not in newer:
                raise ControlError(f"unknown event type {event_type!r}")
            app.store.subscribe(shop, event_type, url)
    return {"subscribed": len(shops) * len(types)}


def versions(app: SandboxApp, _parts: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """Versions served and retired per endpoint, and calls made per version.

    POST `{retire: {template: [versions]}, restore: {template: [versions]}, reset_calls}`;
    templates are written with `{v}` (`/finance/{v}/payments`), as GET lists them.
    """
    from .app import ROUTES

    templates = {r.template for r in ROUTES}
    retired = app.cfg.retired
    for name, change in (("retire", 1), ("restore", -1)):
        for template, listed in (args.get(name) or {}).items():
            if template not in templates:
                raise ControlError(f"unknown endpoint template {template!r}")
            current = set(retired.get(template, ()))
            values = {str(v) for v in (listed if isinstance(listed, list) else [listed])}
            current = current | values if change > 0 else current - values
            if current:
                retired[template] = tuple(sorted(current))
            else:
                retired.pop(template, None)
    if args.get("reset_calls"):
        app.calls.clear()
        app.retired_calls.clear()
    endpoints: dict[str, dict[str, Any]] = {}
    for r in ROUTES:
        entry = endpoints.setdefault(
            r.template, {"methods": [], "versions": list(r.versions), "retired": []}
        )
        entry["methods"].append(r.method)
        entry["retired"] = list(retired.get(r.template, ()))
        entry["served"] = [v for v in r.versions if v not in entry["retired"]]
    return {"endpoints": endpoints, "calls": app.calls, "retired_calls": app.retired_calls}


HANDLERS: dict[
    tuple[str, str], Callable[[SandboxApp, list[str], dict[str, Any]], dict[str, Any]]
] = {
    ("GET", ""): summary,
    ("GET", "app"): app_config,
    ("GET", "sellers"): sellers,
    ("POST", "reset"): reset,
    ("POST", "auth_code"): auth_code,
    ("POST", "token"): token,
    ("GET", "orders"): order,
    ("GET", "products"): product,
    ("GET", "packages"): package,
    ("GET", "returns"): aftersale,
    ("GET", "cancellations"): aftersale,
    ("GET", "counts"): counts,
    ("GET", "changes"): changes,
    ("GET", "writes"): writes,
    ("GET", "faults"): faults,
    ("POST", "faults"): faults,
    ("POST", "expire_tokens"): expire_tokens,
    ("POST", "revoke"): revoke,
    ("POST", "expiring"): expiring,
    ("GET", "clock"): clock,
    ("POST", "clock"): clock,
    ("POST", "lifecycle"): lifecycle,
    ("POST", "orders"): create_order,
    ("POST", "returns"): create_return,
    ("POST", "return_shipped"): buyer_ships_return,
    ("POST", "cancellations"): create_cancellation,
    ("POST", "address"): address,
    ("POST", "promotions"): promotion,
    ("GET", "webhooks"): webhooks,
    ("POST", "webhooks"): subscribe,
    ("GET", "versions"): versions,
    ("POST", "versions"): versions,
}
