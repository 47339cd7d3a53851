"""The read-only REST API under /api/v1/ (django-ninja: the OpenAPI schema comes from the code)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import reads, schemas
from api.auth import Caller, token_caller


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a personal token from the API tokens page."""

    openapi_description = "A personal API token (API tokens page, in the user menu)."

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        caller = token_caller(token)
        if caller is None:
            return None
        if caller.retry_after is not None:
            raise RateLimited(caller.retry_after)
        return caller


class ErrorOut(Schema):
    detail: str


class QueryErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


api = NinjaAPI(
    title="TikTok Shop back office API",
    version="1",
    description=(
        "Read-only access to the mirror of your shops: what the pages show, as JSON. "
        "Ids are strings, money is a decimal string with its currency, times are ISO 8601 "
        "UTC, date filters are UTC days. Lists are newest first and paged by `cursor`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)

ERRORS: dict[int, Any] = {400: QueryErrorOut, 401: ErrorOut, 429: ErrorOut}


@api.exception_handler(reads.QueryError)
def _query_error(request: HttpRequest, exc: reads.QueryError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Fix these query parameters.", "errors": exc.errors}, status=400
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        name = str(error.get("loc", ["?"])[-1])
        errors.setdefault(name, []).append(str(error.get("msg", "Not a valid value.")))
    return api.create_response(
        request, {"detail": "Fix these query parameters.", "errors": errors}, status=400
    )


@api.exception_handler(reads.NotFound)
def _not_found(request: HttpRequest, exc: reads.NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "A valid API token is needed (Authorization: Bearer …)."}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": f"Too many requests for this token; retry in {exc.retry_after} s."},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- query parameters, documented from the FilterSets ----------------------------------------


def _parameter(name: str, field: forms.Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    description = str(field.label or name.replace("_", " ").capitalize())
    if name == "shop":
        description = "A shop's TikTok id (from /api/v1/shops)."
    elif isinstance(field, forms.NullBooleanField | forms.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, forms.DateField):
        schema = {"type": "string", "format": "date"}
        description += " (a UTC day, YYYY-MM-DD)"
    elif isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        schema["enum"] = [str(value) for value, _ in choices if value != ""]
    if isinstance(field, forms.CharField) and field.max_length:
        schema["maxLength"] = field.max_length
    return {
        "in": "query",
        "name": name,
        "required": False,
        "schema": schema,
        "description": description,
    }


def query_parameters(resource_name: str) -> dict[str, Any]:
    """OpenAPI parameters of a list: its FilterSet's fields, then cursor and limit."""
    resource = reads.RESOURCES[resource_name]
    filterset = resource.filterset(None, queryset=resource.rows().none(), user=AnonymousUser())
    parameters = [
        _parameter(name, filterset.form.fields[name]) for name in reads.filter_names(resource)
    ]
    parameters += [
        {
            "in": "query",
            "name": "cursor",
            "required": False,
            "schema": {"type": "string", "maxLength": reads.CURSOR_MAX_LENGTH},
            "description": "The `next_cursor` of the previous page.",
        },
        {
            "in": "query",
            "name": "limit",
            "required": False,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": reads.MAX_LIMIT,
                "default": reads.DEFAULT_LIMIT,
            },
            "description": "Rows per page.",
        },
    ]
    return {"parameters": parameters}


def _caller(request: HttpRequest) -> Any:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    return caller.user


def _list(request: HttpRequest, name: str) -> schemas.Page:
    return reads.list_page(name, _caller(request), request.GET)


# --- the endpoints ----------------------------------------------------------------------------


@api.get(
    "/shops",
    response={200: schemas.Page[schemas.ShopOut], **ERRORS},
    openapi_extra=query_parameters("shops"),
    tags=["shops"],
    summary="List the shops you may see",
)
def list_shops(request: HttpRequest) -> schemas.Page:
    return _list(request, "shops")


@api.get(
    "/products",
    response={200: schemas.Page[schemas.ProductOut], **ERRORS},
    openapi_extra=query_parameters("products"),
    tags=["products"],
    summary="List products",
)
def list_products(request: HttpRequest) -> schemas.Page:
    return _list(request, "products")


@api.get(
    "/products/{product_id}",
    response={200: schemas.ProductDetailOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    tags=["products"],
    summary="One product with its SKUs and stock per warehouse",
)
def get_product(request: HttpRequest, product_id: str) -> Any:
    return reads.detail("products", _caller(request), product_id)


@api.get(
    "/orders",
    response={200: schemas.Page[schemas.OrderOut], **ERRORS},
    openapi_extra=query_parameters("orders"),
    tags=["orders"],
    summary="List orders",
)
def list_orders(request: HttpRequest) -> schemas.Page:
    return _list(request, "orders")


@api.get(
    "/orders/{order_id}",
    response={200: schemas.OrderDetailOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    tags=["orders"],
    summary="One order with its lines and packages",
)
def get_order(request: HttpRequest, order_id: str) -> Any:
    return reads.detail("orders", _caller(request), order_id)


@api.get(
    "/packages",
    response={200: schemas.Page[schemas.PackageOut], **ERRORS},
    openapi_extra=query_parameters("packages"),
    tags=["fulfillment"],
    summary="List packages",
)
def list_packages(request: HttpRequest) -> schemas.Page:
    return _list(request, "packages")


@api.get(
    "/returns",
    response={200: schemas.Page[schemas.ReturnOut], **ERRORS},
    openapi_extra=query_parameters("returns"),
    tags=["fulfillment"],
    summary="List returns and refund requests",
)
def list_returns(request: HttpRequest) -> schemas.Page:
    return _list(request, "returns")


@api.get(
    "/payments",
    response={200: schemas.Page[schemas.PaymentOut], **ERRORS},
    openapi_extra=query_parameters("payments"),
    tags=["finance"],
    summary="List payouts to the bank account",
)
def list_payments(request: HttpRequest) -> schemas.Page:
    return _list(request, "payments")


@api.get(
    "/statements",
    response={200: schemas.Page[schemas.StatementOut], **ERRORS},
    openapi_extra=query_parameters("statements"),
    tags=["finance"],
    summary="List daily statements",
)
def list_statements(request: HttpRequest) -> schemas.Page:
    return _list(request, "statements")
