"""The REST API's contract: who sees what, the shapes, errors, rate limit and the schema."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from api import reads
from api.models import ApiToken
from tests.api.conftest import get
from tests.factories import make_order

pytestmark = pytest.mark.django_db

LISTS = ["shops", "products", "orders", "packages", "returns", "payments", "statements"]
DETAILS = ["products", "orders"]


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("name", LISTS)
def test_an_admin_token_lists_every_shops_rows(world, name):
    seen = ids(get(f"/api/v1/{name}", world.admin_key))
    assert seen == {world.ids[name]["mine"], world.ids[name]["theirs"]}


@pytest.mark.parametrize("name", LISTS)
def test_an_operator_token_lists_only_its_shops_rows(world, name):
    assert ids(get(f"/api/v1/{name}", world.operator_key)) == {world.ids[name]["mine"]}


@pytest.mark.parametrize("name", DETAILS)
def test_details_for_admin_and_operator(world, name):
    mine, theirs = world.ids[name]["mine"], world.ids[name]["theirs"]
    for key in (world.admin_key, world.operator_key):
        response = get(f"/api/v1/{name}/{mine}", key)
        assert response.status_code == 200
        assert response.json()["id"] == mine
    assert get(f"/api/v1/{name}/{theirs}", world.admin_key).status_code == 200
    # Another shop's row looks exactly like one that does not exist.
    hidden = get(f"/api/v1/{name}/{theirs}", world.operator_key)
    missing = get(f"/api/v1/{name}/{theirs}9", world.operator_key)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "Not found."}


@pytest.mark.parametrize("name", LISTS + [f"{d}/DETAIL" for d in DETAILS])
@pytest.mark.parametrize("key", ["none", "revoked", "garbage", "basic"])
def test_no_revoked_or_bad_token_is_401(world, name, key):
    path = f"/api/v1/{name}".replace("DETAIL", world.ids[name.split("/")[0]]["mine"])
    headers = {
        "none": {},
        "revoked": {"Authorization": f"Bearer {world.revoked_key}"},
        "garbage": {"Authorization": "Bearer tbo_0000_\x00²" + "x" * 5000},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[key]
    response = Client().get(path, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]


def test_a_session_login_does_not_open_the_api(world, client):
    client.force_login(world.operator)
    assert client.get("/api/v1/orders").status_code == 401


def test_removing_a_membership_takes_effect_on_the_next_request(world):
    order = world.ids["orders"]["mine"]
    assert ids(get("/api/v1/orders", world.operator_key)) == {order}
    world.mine.members.remove(world.operator)
    assert ids(get("/api/v1/orders", world.operator_key)) == set()
    assert get(f"/api/v1/orders/{order}", world.operator_key).status_code == 404


def test_a_deactivated_person_is_401(world):
    world.operator.is_active = False
    world.operator.save()
    assert get("/api/v1/orders", world.operator_key).status_code == 401


def test_tokens_are_stored_hashed_and_note_their_last_use(world):
    token = ApiToken.objects.get(name="operator sheet")
    assert token.key_hash == hashlib.sha256(world.operator_key.encode()).hexdigest()
    assert world.operator_key not in str(list(ApiToken.objects.values()))
    assert token.last_used_at is None
    get("/api/v1/shops", world.operator_key)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)


def test_over_the_rate_limit_is_429_with_retry_after(world, settings):
    settings.API_RATE_LIMIT = 3
    for _ in range(3):
        assert get("/api/v1/shops", world.operator_key).status_code == 200
    response = get("/api/v1/shops", world.operator_key)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW_SECONDS
    # The limit is per token: another token is not affected.
    assert get("/api/v1/shops", world.admin_key).status_code == 200
    # A new window opens once the last one ended.
    ApiToken.objects.filter(name="operator sheet").update(
        window_start=timezone.now() - timedelta(seconds=settings.API_RATE_WINDOW_SECONDS + 1)
    )
    assert get("/api/v1/shops", world.operator_key).status_code == 200


def test_a_rate_limit_of_zero_is_off(world, settings):
    settings.API_RATE_LIMIT = 0
    for _ in range(5):
        assert get("/api/v1/shops", world.operator_key).status_code == 200
    assert ApiToken.objects.get(name="operator sheet").window_count == 5


def test_the_order_shape(world):
    order_id = world.ids["orders"]["mine"]
    detail = get(f"/api/v1/orders/{order_id}", world.operator_key).json()
    assert detail["id"] == order_id and isinstance(detail["id"], str)
    assert detail["shop_id"] == world.mine.tiktok_id
    assert detail["total"] == {"amount": "39.98", "currency": "USD"}
    assert detail["create_time"].endswith("Z")
    assert len(detail["lines"]) == 2
    assert detail["lines"][0]["sale_price"] == {"amount": "19.99", "currency": "USD"}
    assert detail["package_ids"] == [world.ids["packages"]["mine"]]
    listed = get("/api/v1/orders", world.operator_key).json()["items"][0]
    assert listed == {k: v for k, v in detail.items() if k not in ("lines", "package_ids")}


def test_the_product_shape(world):
    product_id = world.ids["products"]["mine"]
    detail = get(f"/api/v1/products/{product_id}", world.operator_key).json()
    assert detail["price_min"] == {"amount": "19.99", "currency": "USD"}
    [sku] = detail["skus"]
    assert sku["list_price"] == {"amount": "24.99", "currency": "USD"}
    assert [row["quantity"] for row in sku["stock"]] == [10]


def test_filters_are_the_pages_filters(world):
    mine = world.mine
    make_order(mine, status="CANCELLED", tiktok_id="576911111111111111")
    cancelled = get("/api/v1/orders", world.operator_key, status="CANCELLED")
    assert ids(cancelled) == {"576911111111111111"}
    by_shop = get("/api/v1/orders", world.admin_key, shop=world.theirs.tiktok_id)
    assert ids(by_shop) == {world.ids["orders"]["theirs"]}
    # The pages' own page, sort and list-picking parameters, and unknown ones, mean nothing here.
    ignored = {"page": "x", "sort": "\x00", "kind": "nope", "foo": "bar"}
    assert ids(get("/api/v1/returns", world.operator_key, **ignored)) == {
        world.ids["returns"]["mine"]
    }
    # Another shop's id as a filter is refused like any unknown shop.
    response = get("/api/v1/orders", world.operator_key, shop=world.theirs.tiktok_id)
    assert response.status_code == 400
    assert response.json()["errors"] == {"shop": ["Pick one of the listed values."]}


def test_the_list_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    for _ in range(30):
        make_order(world.mine, lines=3)
    with django_assert_max_num_queries(5):
        response = get("/api/v1/orders", world.operator_key, limit=40)
    assert len(response.json()["items"]) == 31


def test_the_schema_validates_and_lists_every_endpoint():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    assert set(paths) == {
        *(f"/api/v1/{name}" for name in LISTS),
        "/api/v1/products/{product_id}",
        "/api/v1/orders/{order_id}",
    }
    for name in LISTS:
        operation = paths[f"/api/v1/{name}"]["get"]
        documented = {p["name"] for p in operation["parameters"]}
        assert documented == {*reads.filter_names(reads.RESOURCES[name]), "cursor", "limit"}
        assert operation["security"] == [{"TokenAuth": []}]
    status = next(p for p in paths["/api/v1/orders"]["get"]["parameters"] if p["name"] == "status")
    assert "AWAITING_SHIPMENT" in status["schema"]["enum"]


def test_the_docs_page_is_served_from_our_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # collectstatic (make run, release steps) gathers it with ours: no CDN, no network.
    assert finders.find("ninja/swagger-ui-bundle.js")
