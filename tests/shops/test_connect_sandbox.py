"""The connect flow against a running sandbox: consent, code exchange, shops, webhooks, refresh."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from shops.gateway import client_for_shop
from shops.models import AuditEntry, Authorization, Shop
from tests.conftest import sandbox_call
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def start(client) -> str:
    """Click Connect a shop; return the state the consent URL carries."""
    response = client.post(reverse("shops-connect"))
    assert response.status_code == 302
    url = httpx.URL(response["Location"])
    assert url.path == "/open/authorize"
    return url.params["state"]


def callback(client, sandbox, seller: str = "seller2"):
    state = start(client)
    issued = sandbox_call(sandbox, "POST", "auth_code", seller=seller, state=state)
    return issued["code"], client.get(
        reverse("shops-callback"), {"code": issued["code"], "state": state}
    )


def test_connecting_stores_the_seller_and_every_shop_with_ciphers(client, sandbox):
    admin = make_user(role="admin")
    client.force_login(admin)
    seller = next(
        s for s in sandbox_call(sandbox, "GET", "sellers")["sellers"] if s["login"] == "seller2"
    )
    _, response = callback(client, sandbox)
    assert response.status_code == 302 and response["Location"] == reverse("shops")

    authorization = Authorization.objects.get()
    assert authorization.seller_name == seller["name"]
    assert authorization.status == Authorization.Status.ACTIVE
    assert authorization.access_token.startswith("TTP_")
    shops = {shop.tiktok_id: shop for shop in Shop.objects.all()}
    assert set(shops) == {s["id"] for s in seller["shops"]}
    assert all(shop.cipher and shop.authorization == authorization for shop in shops.values())
    assert AuditEntry.objects.filter(action="connect", actor=admin).count() == len(shops)

    page = client.get(reverse("shops")).content.decode()
    for shop in shops.values():
        assert shop.name in page
    # The stored credentials work for shop calls through the one gateway.
    shop = next(iter(shops.values()))
    assert client_for_shop(shop).get_warehouses()


def test_reconnecting_updates_rows_instead_of_duplicating(client, sandbox):
    client.force_login(make_user(role="admin"))
    callback(client, sandbox)
    first_token = Authorization.objects.get().access_token
    callback(client, sandbox)
    assert Authorization.objects.count() == 1
    assert Shop.objects.count() == len({s.tiktok_id for s in Shop.objects.all()})
    assert Authorization.objects.get().access_token != first_token
    assert AuditEntry.objects.filter(action="reconnect").exists()


def test_a_replayed_code_is_refused_and_changes_nothing(client, sandbox):
    client.force_login(make_user(role="admin"))
    code, _ = callback(client, sandbox)
    stored = Authorization.objects.get().access_token
    state = start(client)
    replay = client.get(reverse("shops-callback"), {"code": code, "state": state}, follow=True)
    assert "refused the authorization code" in replay.content.decode()
    assert Authorization.objects.get().access_token == stored


def test_a_token_host_failure_stores_nothing(client, sandbox, settings):
    client.force_login(make_user(role="admin"))
    state = start(client)
    settings.TIKTOK_AUTH_BASE = "http://127.0.0.1:9"  # nothing listens there
    response = client.get(reverse("shops-callback"), {"code": "abc", "state": state}, follow=True)
    assert "token service failed" in response.content.decode()
    assert Authorization.objects.count() == 0 and Shop.objects.count() == 0


def test_webhooks_are_registered_for_each_connected_shop(
    client, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.TIKTOK_WEBHOOK_URL = "http://127.0.0.1:8000/webhooks/tiktok"
    client.force_login(make_user(role="admin"))
    with django_capture_on_commit_callbacks(execute=True):
        callback(client, sandbox, seller="seller1")
    shop = Shop.objects.first()
    subscriptions = client_for_shop(shop).get_webhooks()
    assert {s.event_type for s in subscriptions} == set(settings.TIKTOK_WEBHOOK_EVENTS)
    assert {s.address for s in subscriptions} == {settings.TIKTOK_WEBHOOK_URL}


def test_expired_access_tokens_are_refreshed_transparently(client, sandbox):
    client.force_login(make_user(role="admin"))
    callback(client, sandbox, seller="seller1")
    authorization = Authorization.objects.get()
    before = authorization.access_token
    sandbox_call(sandbox, "POST", "expire_tokens")
    shop = Shop.objects.first()
    assert client_for_shop(shop).get_warehouses()  # 105002 → refresh under the lock → retry
    authorization.refresh_from_db()
    assert authorization.access_token != before
    assert authorization.status == Authorization.Status.ACTIVE


def test_a_revoked_authorization_ends_in_needs_reauthorization(client, sandbox):
    client.force_login(make_user(role="admin"))
    callback(client, sandbox, seller="seller1")
    authorization = Authorization.objects.get()
    sandbox_call(sandbox, "POST", "revoke", seller=authorization.open_id)
    sandbox_call(sandbox, "POST", "expire_tokens")
    from tiktok.errors import NeedsReauthorizationError

    with pytest.raises(NeedsReauthorizationError):
        client_for_shop(Shop.objects.first()).get_warehouses()
    authorization.refresh_from_db()
    assert authorization.status == Authorization.Status.NEEDS_REAUTHORIZATION
    assert "Reconnect" in client.get(reverse("shops")).content.decode()


def test_the_first_sync_is_queued_with_the_connection_so_the_page_shows_it(client, sandbox):
    from shops.models import SyncRun
    from shops.sync import resources

    client.force_login(make_user(role="admin"))
    callback(client, sandbox, seller="seller1")  # jobs are not run: on_commit never fires here
    shop = Shop.objects.get()
    queued = SyncRun.objects.filter(shop=shop, status=SyncRun.Status.QUEUED, kind="full")
    assert queued.count() == len(resources())
    page = client.get(reverse("shops")).content.decode()
    assert "data-active" in page  # the progress area polls until the runs finish
