"""The WSGI application: routing, the §16 validation order, envelopes, rate limit and faults."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from tiktok.signing import is_multipart, verify_request

from .config import SandboxConfig
from .data import Shop
from .faults import Faults
from .live import Live
from .pagination import decode_token, encode_token
from .ratelimit import RateLimiter
from .state import Grant, SandboxError, Store

log = logging.getLogger("tiktok.sandbox")
Handler = Callable[["Ctx"], Any]
StartResponse = Callable[..., Any]

TIMESTAMP_PAST = 300
TIMESTAMP_FUTURE = 30
HTTP_REASONS = {
    200: "200 OK",
    302: "302 Found",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
MSG_TOO_MANY = "Too many requests. You've made too many requests in a short period of time."


def request_id() -> str:
    """A 34-character request id: a UTC time prefix and 20 hex digits, like TikTok's."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


class Request:
    """The parts of a WSGI request the sandbox looks at."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = environ.get("PATH_INFO", "") or "/"
        self.raw_query = environ.get("QUERY_STRING", "")
        # the signature covers the decoded values the server sees; the last value of a key wins
        self.query: dict[str, str] = dict(parse_qsl(self.raw_query, keep_blank_values=True))
        length = environ.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            size = 0
        stream = environ.get("wsgi.input")
        self.body: bytes = stream.read(size) if stream is not None and size > 0 else b""
        self.content_type = environ.get("CONTENT_TYPE", "")

    def header(self, name: str) -> str | None:
        """A request header by name."""
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def base_url(self) -> str:
        """The scheme and host the client used to reach us."""
        env = self.environ
        host = (
            env.get("HTTP_HOST")
            or f"{env.get('SERVER_NAME', '127.0.0.1')}:{env.get('SERVER_PORT')}"
        )
        return f"{self.environ.get('wsgi.url_scheme', 'http')}://{host}"


@dataclass
class Route:
    """One API endpoint: method, category, accepted versions and the rest of the path."""

    method: str
    category: str
    versions: tuple[str, ...]
    rest: tuple[str, ...]
    handler: Handler
    shop: bool  # True: shop_cipher required; False: it must be absent
    scope: str
    template: str = ""

    def match(self, rest: list[str]) -> dict[str, str] | None:
        """Path parameters if the path after the version fits this route."""
        if len(rest) != len(self.rest):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.rest, rest, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params

    @property
    def literal_count(self) -> int:
        """More literal segments win over parameters when two routes fit."""
        return sum(1 for s in self.rest if not s.startswith("{"))


ROUTES: list[Route] = []


def api(
    method: str,
    path: str,
    *,
    versions: tuple[str, ...] = ("202309",),
    shop: bool = True,
    scope: str,
) -> Callable[[Handler], Handler]:
    """Register an endpoint; `path` is written with `{v}` for the version segment."""
    segments = path.strip("/").split("/")
    assert segments[1] == "{v}", path

    def register(fn: Handler) -> Handler:
        ROUTES.append(
            Route(
                method, segments[0], versions, tuple(segments[2:]), fn, shop, scope, template=path
            )
        )
        return fn

    return register


@dataclass
class Ctx:
    """One API call being answered."""

    app: SandboxApp
    req: Request
    route: Route
    params: dict[str, str]
    version: str
    request_id: str
    grant: Grant | None = None
    shop: Shop | None = None
    _body: Any = field(default=None)

    @property
    def store(self) -> Store:
        """The sandbox state."""
        return self.app.store

    @property
    def q(self) -> dict[str, str]:
        """The decoded query."""
        return self.req.query

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body as an object ({} when there is none)."""
        if self._body is None:
            if not self.req.body.strip():
                self._body = {}
            else:
                try:
                    self._body = json.loads(self.req.body)
                except ValueError:
                    raise SandboxError(
                        36009004, "Invalid request body. The body must be valid JSON."
                    ) from None
                if not isinstance(self._body, dict):
                    raise SandboxError(
                        36009004, "Invalid request body. The body must be a JSON object."
                    )
        return self._body

    def require_shop(self) -> Shop:
        """The shop the cipher named (validated before the handler runs)."""
        assert self.shop is not None
        return self.shop

    def page_size(self, lo: int, hi: int, *, default: int | None = None) -> int:
        """The `page_size` query parameter within [lo, hi]; required when there is no default."""
        if "page_size" in self.body:
            raise SandboxError(
                36009004, "Invalid parameter. `page_size` is a query parameter, not a body field."
            )
        raw = self.q.get("page_size")
        if raw is None or raw == "":
            if default is None:
                raise SandboxError(
                    36009004, "Invalid parameter. The `page_size` query parameter is required."
                )
            return default
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if not lo <= value <= hi:
            raise SandboxError(
                36009004,
                f"Invalid parameter. The `page_size` query parameter must be between {lo} and "
                f"{hi}.",
            )
        return value

    def sort(
        self, fields: tuple[str, ...], default_order: str, *, required: bool = False
    ) -> tuple[str, bool]:
        """(sort_field, descending) from the query, validated against the allowed values."""
        sort_field = self.q.get("sort_field") or ""
        if not sort_field:
            if required:
                raise SandboxError(
                    36009004,
                    "Invalid parameter. The `sort_field` query parameter is required and "
                    f"must be {fields[0]}.",
                )
            sort_field = fields[0]
        if sort_field not in fields:
            raise SandboxError(
                36009004, f"Invalid parameter. `sort_field` must be one of: {', '.join(fields)}."
            )
        order = (self.q.get("sort_order") or default_order).upper()
        if order not in ("ASC", "DESC"):
            raise SandboxError(36009004, "Invalid parameter. `sort_order` must be ASC or DESC.")
        return sort_field, order == "DESC"

    def cursor(self, fingerprint: str) -> tuple[Any, int | None]:
        """(last key, total) from `page_token`, or (None, None) on the first page."""
        token = self.q.get("page_token") or ""
        if not token:
            return None, None
        decoded = decode_token(token, fingerprint)
        if decoded is None:
            raise SandboxError(
                36009004,
                "Invalid parameter. The `page_token` is invalid or does not belong to this search.",
            )
        return decoded

    @staticmethod
    def next_token(key: Any, total: int | None, fingerprint: str, more: bool) -> str:
        """The next page's token, or "" on the last page."""
        return (
            encode_token(list(key) if isinstance(key, tuple) else key, total, fingerprint)
            if more
            else ""
        )

    def int_field(self, source: dict[str, Any], name: str) -> int | None:
        """An optional integer (Unix seconds) field from the body or query."""
        value = source.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SandboxError(
                36009004, f"Invalid parameter. `{name}` must be an integer."
            ) from None

    def str_list(
        self, name: str, limit: int, code: int = 36009004, message: str | None = None
    ) -> list[str]:
        """An optional list of id strings from the body, at most `limit` long."""
        value = self.body.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise SandboxError(36009004, f"Invalid parameter. `{name}` must be an array.")
        if len(value) > limit:
            raise SandboxError(
                code, message or f"Invalid parameter. `{name}` accepts at most {limit} values."
            )
        return [str(v) for v in value]

    def required(self, source: dict[str, Any], name: str) -> Any:
        """A required field, or 36009004 naming it."""
        value = source.get(name)
        if value is None or value == "" or value == []:
            raise SandboxError(36009004, f"Invalid parameter. The `{name}` field is required.")
        return value


class SandboxApp:
    """The TikTok Shop Open API, token host and consent page in one WSGI callable."""

    def __init__(self, cfg: SandboxConfig | None = None) -> None:
        from . import consent, control, docs, endpoints, webhooks  # noqa: F401  (register routes)

        self.cfg = cfg or SandboxConfig()
        unknown = set(self.cfg.retired) - {r.template for r in ROUTES}
        if unknown:
            raise ValueError(f"retired versions for unknown endpoints: {sorted(unknown)}")
        self.store = Store(self.cfg)
        self.faults = Faults(self.cfg.faults)
        self.limiter = RateLimiter(self.cfg.rate_limit)
        self.webhooks = webhooks.Dispatcher(self.store, self.cfg)
        self.store.notify = self.webhooks.enqueue
        self.docs = docs.DocStore()
        self.live = Live(self.store, self.cfg.pace)
        self.started = time.time()
        self.requests = 0
        # routed API calls by "METHOD /path/with/{version}/…" template, for the control API
        self.calls: dict[str, int] = {}
        self.retired_calls: dict[str, int] = {}  # calls refused because the version is retired

    # -- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        from . import consent, control

        req = Request(environ)
        path = req.path
        if path.startswith("/_sandbox"):
            return control.handle(self, req, start_response)
        if path in ("/open/authorize", "/oauth/authorize") or path.startswith("/open/authorize/"):
            return consent.page(self, req, start_response)
        if path.startswith("/api/v2/token/"):
            return self._with_faults(req, start_response, lambda: consent.token(self, req))
        return self._with_faults(req, start_response, lambda: self.call_api(req))

    def _with_faults(
        self,
        req: Request,
        start_response: StartResponse,
        answer: Callable[[], tuple[int, dict[str, Any]]],
    ) -> Iterable[bytes]:
        self.requests += 1
        fault = self.faults.pick()
        if fault.latency:
            time.sleep(fault.latency)
        if fault.kind == "drop":
            return drop_connection(req, start_response)
        rid = request_id()
        if fault.kind == "error":
            return respond(
                start_response,
                500,
                envelope(36009003, "Internal error, please try again later.", rid),
            )
        if fault.kind == "unavailable":
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
            start_response(
                HTTP_REASONS[503],
                [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if fault.kind == "429":
            return respond(start_response, 429, envelope(36009002, MSG_TOO_MANY, rid))
        status, payload = answer()
        if fault.kind == "malformed":
            body = b'{"code":0,"message":"Success","request_id":"' + rid.encode() + b'","data":{'
            start_response(
                HTTP_REASONS[200],
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return respond(start_response, status, payload)

    # -- API -------------------------------------------------------------------------------------
    def resolve(self, req: Request) -> tuple[Route, dict[str, str], str]:
        """The route for a request, or the contract's path, version or method error."""
        segments = req.path.strip("/").split("/")
        if len(segments) < 3:
            raise SandboxError(36009009, "Invalid path. Please check the path and retry.", 404)
        category, version, rest = segments[0], segments[1], segments[2:]
        fitting = [
            (r, p) for r in ROUTES if r.category == category and (p := r.match(rest)) is not None
        ]
        if not fitting:
            raise SandboxError(36009009, "Invalid path. Please check the path and retry.", 404)
        fitting.sort(key=lambda rp: -rp[0].literal_count)
        retired = self.cfg.retired
        in_version = [
            (r, p)
            for r, p in fitting
            if version in r.versions and version not in retired.get(r.template, ())
        ]
        if not in_version:
            for r, _p in fitting:
                if r.method == req.method and version in retired.get(r.template, ()):
                    key = f"{r.method} {r.template.replace('{v}', version)}"
                    self.retired_calls[key] = self.retired_calls.get(key, 0) + 1
            raise SandboxError(
                36009014, "The version name is invalid, please check and retry.", 404
            )
        for r, p in in_version:
            if r.method == req.method:
                key = f"{r.method} {r.template.replace('{v}', version)}"
                self.calls[key] = self.calls.get(key, 0) + 1
                return r, p, version
        raise SandboxError(
            36009010, "Invalid method. The request method is not supported for this path.", 405
        )

    def call_api(self, req: Request) -> tuple[int, dict[str, Any]]:
        """Run one API request through routing, validation and its handler."""
        rid = request_id()
        try:
            route, params, version = self.resolve(req)
            if not self.limiter.allow(
                (req.query.get("app_key", ""), req.query.get("shop_cipher", ""), route.template)
            ):
                raise SandboxError(36009002, MSG_TOO_MANY, 429)
            with self.store.lock:
                self.store.tick()
                write = None
                if route.method != "GET" and not route.template.endswith("/search"):
                    # searches are reads sent as POST; the key is documented on decisions as a
                    # query parameter, other writes carry it as a header the product sends
                    key = req.query.get("idempotency_key") or req.header("x-idempotency-key")
                    write = self.store.count_write(route.template, key or "", req.path)
                ctx = Ctx(self, req, route, params, version, rid)
                self.authenticate(ctx)
                data = route.handler(ctx)
                if write is not None:
                    write["applied"] += 1
            return 200, envelope(0, "Success", rid, {} if data is None else data)
        except SandboxError as err:
            return err.status, envelope(err.code, err.message, rid)
        except Exception:
            # a sandbox bug still answers in the envelope, as TikTok's "internal error, retry"
            log.exception("sandbox handler failed for %s %s", req.method, req.path)
            return 500, envelope(36009003, "Internal error, please try again later.", rid)

    def authenticate(self, ctx: Ctx) -> None:
        """The §16 order: app key, timestamp, signature, token, shop_cipher rules, shop, scope."""
        req, cfg = ctx.req, self.cfg
        q = req.query
        if q.get("app_key") != cfg.app_key:
            raise SandboxError(
                36009004, "Invalid credentials. Invalid `app_key` query parameter.", 401
            )
        self._check_timestamp(q.get("timestamp"))
        sign = q.get("sign")
        if not sign:
            raise SandboxError(
                36009004, "Missing credentials. The request is missing the `sign` signature.", 401
            )
        if not self._signature_ok(req, sign):
            raise SandboxError(
                106001, "Invalid credentials. The `sign` query parameter is invalid.", 401
            )
        token_value = req.header("x-tts-access-token")
        token = self.store.access.get(token_value or "")
        grant = self.store.grants.get(token.grant_id) if token else None
        if token is None or grant is None or grant.revoked:
            raise SandboxError(
                36009004, "Invalid credentials. The `x-tts-access-token` header is invalid.", 401
            )
        if token.expires <= self.store.now():
            raise SandboxError(
                105002, "Expired credentials. The access token has expired, please refresh it.", 401
            )
        ctx.grant = grant
        for legacy, message in (
            ("shop_id", "Invalid identifier. The `shop_id` query parameter is invalid."),
            ("version", "Invalid API version. The `version` query parameter is invalid."),
        ):
            if legacy in q:
                raise SandboxError(36009004, message)
        cipher = q.get("shop_cipher")
        if ctx.route.shop:
            if not cipher:
                raise SandboxError(
                    106013,
                    "Missing shop_cipher. The `shop_cipher` query parameter is required for "
                    "this request.",
                )
            shop = self.store.shop_by_cipher(cipher)
            if shop is None or shop.no not in grant.shop_nos:
                raise SandboxError(
                    101000,
                    "Invalid `category_asset_cipher` or `x-tts-access-token`: the access "
                    "token does not belong to this shop_cipher.",
                )
            ctx.shop = shop
        elif cipher is not None:
            raise SandboxError(
                36009004,
                "Unexpected identifier. The `shop_cipher` query parameter is not required for "
                "this request.",
            )
        if ctx.route.scope not in grant.scopes:
            raise SandboxError(
                105005,
                f"Access denied. The app has not been granted the scope `{ctx.route.scope}` "
                "this API requires.",
            )
        if req.body.strip() and not (
            is_multipart(req.content_type)
            or req.content_type.split(";")[0].strip().lower() == "application/json"
        ):
            raise SandboxError(
                36009022,
                "Invalid content-type. The body must be application/json or multipart/form-data.",
            )

    @staticmethod
    def _check_timestamp(raw: str | None) -> None:
        # checked against real time: clients stamp requests with their own wall clock, while the
        # sandbox clock (which control calls can advance) drives tokens and the life cycle
        try:
            stamp = int(raw or "")
        except ValueError:
            stamp = -1
        if stamp < 0:
            raise SandboxError(
                36009004,
                "Invalid timestamp. The `timestamp` query parameter must not be lesser than 0.",
            )
        now = int(time.time())
        if stamp < now - TIMESTAMP_PAST:
            raise SandboxError(
                36009004,
                "Invalid timestamp. The `timestamp` query parameter must not be earlier than "
                "5 minutes before the current time.",
            )
        if stamp > now + TIMESTAMP_FUTURE:
            raise SandboxError(
                36009004,
                "Invalid timestamp. The `timestamp` query parameter must not exceed the "
                "current time by more than 30 seconds.",
            )

    def _signature_ok(self, req: Request, sign: str) -> bool:
        secret = self.cfg.app_secret
        multipart = is_multipart(req.content_type)
        body = req.body if req.body else None
        if verify_request(secret, req.path, req.query, body, sign, multipart=multipart):
            return True
        # UNVERIFIED: TikTok's own Node SDK sends `{}` while signing nothing; accept that too
        return (
            self.cfg.lenient_empty_body
            and body is not None
            and body.strip() == b"{}"
            and verify_request(secret, req.path, req.query, None, sign)
        )


def envelope(code: int, message: str, rid: str, data: Any = None) -> dict[str, Any]:
    """The response envelope every API and token answer uses."""
    return {"code": code, "message": message, "request_id": rid, "data": data}


def respond(
    start_response: StartResponse,
    status: int,
    payload: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    """Write a JSON answer."""
    # orjson writes the same compact UTF-8 JSON as json.dumps, several times faster.
    body = orjson.dumps(payload, default=str, option=orjson.OPT_NON_STR_KEYS)
    head = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if payload.get("request_id"):
        head.append(("X-Tt-Logid", str(payload["request_id"])))
    if status == 429:
        head.append(("Retry-After", "1"))
    start_response(HTTP_REASONS.get(status, f"{status} Error"), head + (headers or []))
    return [body]


class DroppedConnection(Exception):
    """Raised in-process (no socket to close) to simulate a dropped connection."""


def drop_connection(req: Request, start_response: StartResponse) -> Iterable[bytes]:
    """Close the client's socket without any response, so the client sees a protocol error."""
    import socket

    probe = req.environ.get("waitress.client_disconnected")
    channel = getattr(probe, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        # waitress will fail to write whatever follows; give it nothing worth logging (and no
        # hop-by-hop header: WSGI apps may not set Connection, waitress asserts on it)
        start_response(HTTP_REASONS[500], [("Content-Length", "0")])
        return [b""]
    raise DroppedConnection("connection dropped by sandbox fault")
