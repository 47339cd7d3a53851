"""Staff in the Django admin: every mirrored model listed, searched and shown read-only,
re-synced on demand; audit and sync state read-only; tokens never shown; hostile input safe."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import Inventory, Product, Sku, Warehouse
from fulfillment.models import Cancellation, Package, Return
from orders.models import Order, OrderLine
from shops.models import AuditEntry, Authorization, Shop, SyncRun, SyncState, WebhookEvent
from tests.factories import make_catalog_and_orders, make_shop, make_user
from tests.shops.helpers import make_authorization

pytestmark = pytest.mark.django_db

MIRRORED = [Warehouse, Product, Sku, Inventory, Order, OrderLine, Package, Return, Cancellation]
SYSTEM = [AuditEntry, SyncRun, SyncState, WebhookEvent, Authorization, Shop]
HOSTILE = ["a\x00b", "²", "9" * 5000, "<script>x</script>"]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff():
    """Django staff with view permission on every model (what the Staff group grants)."""
    user = make_user(role="staff")
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def shop():
    shop = make_shop(authorization=make_authorization())
    make_catalog_and_orders(shop, products=2, orders=6)
    SyncRun.objects.create(shop=shop, resource="orders", kind="full", status="succeeded")
    SyncState.objects.create(shop=shop, resource="orders")
    AuditEntry.objects.create(action="connect", shop=shop)
    WebhookEvent.objects.create(notification_id="n1", type=1, shop=shop, payload={"a": 1})
    return shop


@pytest.mark.parametrize("model", MIRRORED + SYSTEM, ids=lambda m: m.__name__)
def test_every_model_lists_searches_and_shows_for_staff(client, staff, shop, model):
    client.force_login(staff)
    listing = client.get(admin_url(model, "changelist"))
    assert listing.status_code == 200
    obj = model.objects.first()
    assert client.get(admin_url(model, "changelist"), {"q": "1"}).status_code == 200
    change = client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    body = change.content.decode()
    if model in [*MIRRORED, AuditEntry, SyncRun, SyncState]:
        assert 'name="_save"' not in body  # read-only: no save button
        assert client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
        assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403


@pytest.mark.parametrize("model", MIRRORED + SYSTEM, ids=lambda m: m.__name__)
def test_admin_search_and_filters_with_hostile_input_never_error(client, staff, shop, model):
    client.force_login(staff)
    url = admin_url(model, "changelist")
    params = ["q", "status__exact", "shop__id__exact", "received_at__year", "create_time__year"]
    for param in params:
        for value in HOSTILE:
            response = client.get(url, {param: value}, follow=True)
            assert response.status_code == 200, (param, value[:10])


def test_the_defects_admin_filters_redirect_with_a_message(client, staff, shop):
    client.force_login(staff)
    url = admin_url(WebhookEvent, "changelist")
    for params in ({"received_at__year": "99999999999999999999"}, {"status__exact": "\x00"}):
        response = client.get(url, params)
        assert response.status_code == 302 and response["Location"] == f"{url}?e=1"
        page = client.get(response["Location"])
        assert "That search or filter value cannot be used." in page.content.decode()


def test_non_staff_are_refused(client, shop):
    client.force_login(make_user(role="operator"))
    for model in MIRRORED:
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_resync_action_queues_refresh_jobs_after_commit(
    client, staff, shop, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    cases = {
        Product: 2,  # one job per product
        Sku: 2,  # their products
        Order: 1,  # six orders of one shop in one batch
        Package: 1,
        Return: 1,
        Cancellation: 1,
        Warehouse: 1,  # one full products run per shop
    }
    for model, jobs in cases.items():
        pks = [str(pk) for pk in model.objects.values_list("pk", flat=True)]
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(
                admin_url(model, "changelist"),
                {"action": "resync_from_tiktok", "_selected_action": pks},
                follow=True,
            )
        assert response.status_code == 200, model
        assert len(callbacks) == jobs, model
        assert f"Queued {jobs} re-sync job" in response.content.decode(), model


def test_tokens_are_never_shown_and_links_lead_to_shop_and_product_page(client, staff, shop):
    authorization = make_authorization(access="TTP_secret_access", refresh="TTP_secret_refresh")
    client.force_login(staff)
    page = client.get(admin_url(Authorization, "change", authorization.pk)).content.decode()
    assert "TTP_secret" not in page and authorization.access_token_encrypted not in page
    product = Product.objects.filter(shop=shop).first()
    listing = client.get(admin_url(Product, "changelist")).content.decode()
    assert reverse("product-detail", args=[product.pk]) in listing
    assert admin_url(Shop, "change", shop.pk) in listing
