"""The seller consent page (services host) and the token endpoints (auth host)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from .state import SandboxError

if TYPE_CHECKING:
    from .app import Request, SandboxApp, StartResponse

STYLE = """
body{font-family:system-ui,sans-serif;background:#f7f7f8;margin:0;color:#161823}
main{max-width:520px;margin:48px auto;background:#fff;border-radius:12px;padding:32px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:22px;margin:0 0 4px}.muted{color:#777}
label{display:block;padding:10px;border:1px solid #ddd;border-radius:8px;margin:8px 0;
cursor:pointer}
button{font-size:16px;padding:10px 22px;border-radius:8px;border:0;cursor:pointer;margin-right:8px}
.primary{background:#fe2c55;color:#fff}.secondary{background:#eee}ul{padding-left:20px}
"""


def _html(start_response: StartResponse, body: str, status: str = "200 OK") -> list[bytes]:
    data = (
        "<!doctype html><html><head><meta charset='utf-8'><title>TikTok Shop · Authorize</title>"
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    ).encode()
    start_response(
        status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _redirect(start_response: StartResponse, url: str) -> list[bytes]:
    start_response("302 Found", [("Location", url), ("Content-Length", "0")])
    return [b""]


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def page(app: SandboxApp, req: Request, start_response: StartResponse) -> Iterable[bytes]:
    """GET shows the demo login and the seller's shops; POST records Authorize or Deny."""
    cfg = app.cfg
    fields: dict[str, str] = dict(req.query)
    if req.method == "POST":
        fields.update(dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)))
    service_id = fields.get("service_id", "")
    legacy_key = fields.get("app_key", "")
    # the legacy page is keyed by app_key, the 202309 one by service_id
    if service_id != cfg.service_id and legacy_key != cfg.app_key:
        return _html(
            start_response,
            "<h1>Invalid link</h1><p class='muted'>This authorization link is not valid: "
            "unknown <code>service_id</code>.</p>",
            "400 Bad Request",
        )
    state = fields.get("state")
    with app.store.lock:
        world = app.store.world
        seller = world.seller(fields.get("seller", ""))
        if req.method == "POST" and seller is not None:
            params: dict[str, str]
            if fields.get("decision") == "authorize":
                code = app.store.issue_code(seller)
                params = {"code": code}
            else:
                params = {"code": "null", "error": "auth_denied"}
            if state is not None:
                params["state"] = state
            app.store.record("consent", None, seller_id=seller.id, decision=fields.get("decision"))
            return _redirect(start_response, _with_query(cfg.redirect_url, params))
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
            for k, v in (("service_id", service_id), ("app_key", legacy_key), ("state", state))
            if v is not None and v != ""
        )
        if seller is None:
            options = "".join(
                f"<label><input type='radio' name='seller' value='{s.login}'"
                f"{' checked' if n == 0 else ''}> "
                f"<b>{html.escape(s.name)}</b> <span class='muted'>({s.login}, "
                f"{s.seller_type.lower().replace('_', '-')}, "
                f"{len(s.shop_nos)} shop{'s' if len(s.shop_nos) != 1 else ''})</span></label>"
                for n, s in enumerate(world.sellers)
            )
            body = (
                "<h1>Log in to TikTok Shop Seller Center</h1><p class='muted'>Sandbox demo "
                "login: pick a seller account.</p>"
                f"<form method='get' action='{html.escape(req.path)}'>{hidden}{options}"
                "<p><button class='primary' type='submit'>Continue</button></p></form>"
            )
            return _html(start_response, body)
        shops = "".join(
            f"<li>{html.escape(world.shops[no].name)} <span "
            f"class='muted'>({world.shops[no].region}, shop {world.shops[no].id})</span></li>"
            for no in seller.shop_nos
        )
        body = (
            "<h1>Authorize the app</h1><p class='muted'>Signed in as "
            f"<b>{html.escape(seller.name)}</b> ({seller.login}).</p>"
            f"<p>The app <b>{html.escape(cfg.app_key)}</b> asks to manage orders, products, "
            "fulfillment, returns "
            f"and finance for these shops:</p><ul>{shops}</ul>"
            f"<form method='post' action='{html.escape(req.path)}'>{hidden}<input "
            f"type='hidden' name='seller' value='{seller.login}'>"
            "<button class='primary' name='decision' value='authorize' "
            "type='submit'>Authorize</button>"
            "<button class='secondary' name='decision' value='deny' "
            "type='submit'>Deny</button></form>"
        )
        return _html(start_response, body)


def token(app: SandboxApp, req: Request) -> tuple[int, dict[str, Any]]:
    """GET /api/v2/token/get and /api/v2/token/refresh (app_secret in the query, unsigned)."""
    from .app import envelope, request_id

    rid = request_id()
    q = req.query
    cfg = app.cfg
    kind = req.path.rsplit("/", 1)[-1]
    try:
        if kind not in ("get", "refresh"):
            raise SandboxError(36009009, "Invalid path. Please check the path and retry.", 404)
        if req.method != "GET":
            raise SandboxError(
                36009010, "Invalid method. The request method is not supported for this path.", 405
            )
        if q.get("app_key") != cfg.app_key:
            raise SandboxError(
                36009004, "Invalid credentials. Invalid `app_key` query parameter.", 401
            )
        if q.get("app_secret") != cfg.app_secret:
            raise SandboxError(
                36009004, "Invalid credentials. Invalid `app_secret` query parameter.", 401
            )
        # extra parameters (timestamp, sign from signing clients) are ignored
        with app.store.lock:
            if kind == "get":
                if q.get("grant_type") != "authorized_code":
                    raise SandboxError(
                        36009004, "Invalid parameter. `grant_type` must be authorized_code."
                    )
                if not q.get("auth_code"):
                    raise SandboxError(
                        36009004, "Invalid parameter. The `auth_code` query parameter is required."
                    )
                data = app.store.exchange_code(q["auth_code"])
            else:
                if q.get("grant_type") != "refresh_token":
                    raise SandboxError(
                        36009004, "Invalid parameter. `grant_type` must be refresh_token."
                    )
                if not q.get("refresh_token"):
                    raise SandboxError(
                        36009004,
                        "Invalid parameter. The `refresh_token` query parameter is required.",
                    )
                data = app.store.refresh_tokens(q["refresh_token"])
        return 200, envelope(0, "success", rid, data)
    except SandboxError as err:
        return err.status, envelope(err.code, err.message, rid)
