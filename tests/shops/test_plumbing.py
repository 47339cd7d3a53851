"""Tokens at rest, the shared limiter, refresh under a lock, webhook intake, per-shop access."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shops import crypto
from shops.models import AuditEntry, Authorization, Shop, WebhookEvent
from shops.ratelimit import PostgresRateLimiter
from shops.tokens import authorization_refresh
from tests.factories import make_user
from tests.shops.helpers import make_authorization, make_shop
from tiktok.errors import NeedsReauthorizationError
from tiktok.signing import webhook_signature


def signed_post(client, payload: dict | str, *, secret: str = "testappsecret"):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    signature = webhook_signature("testappkey", secret, body)
    return client.post(
        reverse("tiktok-webhook"),
        data=body,
        content_type="application/json",
        headers={"Authorization": signature},
    )


def order_event(notification_id: str = "7327112393057371910", shop_id: str = "7494049642642441621"):
    return {
        "type": 1,
        "tts_notification_id": notification_id,
        "shop_id": shop_id,
        "timestamp": 1644412885,
        "data": {
            "order_id": "576486316948490001",
            "order_status": "UNPAID",
            "update_time": 1644412885,
        },
    }


# --- tokens at rest ------------


@pytest.mark.django_db
def test_tokens_are_absent_in_plaintext_from_a_dump_of_the_tables():
    authorization = make_authorization(
        access="TTP_secret_access_123", refresh="TTP_secret_refresh_456"
    )
    assert authorization.access_token == "TTP_secret_access_123"
    with connection.cursor() as cursor:
        cursor.execute("select * from shops_authorization")
        dump = json.dumps(cursor.fetchall(), default=str)
    assert "TTP_secret_access_123" not in dump
    assert "TTP_secret_refresh_456" not in dump
    assert "secret_access" not in repr(authorization.__dict__)


@pytest.mark.django_db
def test_rotating_keys_reencrypts_with_the_newest(settings, capsys):
    authorization = make_authorization(access="TTP_a", refresh="TTP_r")
    old_ciphertext = authorization.access_token_encrypted
    settings.TOKEN_ENCRYPTION_KEYS = [crypto.new_key(), *settings.TOKEN_ENCRYPTION_KEYS]
    call_command("rotate_token_keys")
    authorization.refresh_from_db()
    assert authorization.access_token_encrypted != old_ciphertext
    settings.TOKEN_ENCRYPTION_KEYS = settings.TOKEN_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert authorization.access_token == "TTP_a"
    assert authorization.refresh_token == "TTP_r"


@pytest.mark.django_db
def test_admin_never_shows_token_fields(admin_client):
    authorization = make_authorization(access="TTP_visible?", refresh="TTP_r")
    page = admin_client.get(reverse("admin:shops_authorization_change", args=[authorization.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "TTP_visible?" not in body
    assert authorization.access_token_encrypted not in body


# --- shared rate limiter ------------


@pytest.mark.django_db(transaction=True)
def test_combined_rate_of_several_threads_stays_under_the_limit():
    limiter = PostgresRateLimiter(rate=50)
    stamps: list[float] = []
    slots: list[float] = []
    lock = threading.Lock()

    def worker():
        own = PostgresRateLimiter(rate=50)  # one limiter per "process", one row shared
        for _ in range(15):
            slot, now = own.reserve_slot("app:shop:/order/202309/orders/search")
            time.sleep(max(0.0, slot - now))
            with lock:
                slots.append(slot)
                stamps.append(time.monotonic())
        own.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    limiter.close()
    stamps.sort()
    assert len(stamps) == 60
    elapsed = stamps[-1] - stamps[0]
    # 60 requests at 50/s need at least 59 slots of 20 ms; allow a little scheduling noise.
    assert elapsed >= 59 * 0.02 * 0.95
    # What the limiter granted, free of this machine's scheduling noise: slots at least 1/50 s
    # apart, however the four callers interleave (so never more than 50 in any second).
    slots.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert min(gaps) >= 0.02 - 1e-6


@pytest.mark.django_db(transaction=True)
def test_rate_limit_keys_do_not_share_slots():
    limiter = PostgresRateLimiter(rate=1)
    assert limiter.reserve("a") == 0
    assert limiter.reserve("b") == 0
    assert 0.9 < limiter.reserve("a") <= 1.0
    limiter.close()


# --- refresh under a lock ------------


def fake_token_host(counter: dict, *, fail_with: dict | None = None, delay: float = 0.0):
    def handler(request: httpx.Request) -> httpx.Response:
        counter["calls"] = counter.get("calls", 0) + 1
        time.sleep(delay)
        if fail_with:
            return httpx.Response(200, json={"request_id": "r1", "data": None, **fail_with})
        n = counter["calls"]
        expires = int(time.time()) + 7 * 86400
        return httpx.Response(
            200,
            json={
                "code": 0,
                "message": "success",
                "request_id": "r1",
                "data": {
                    "access_token": f"TTP_new_access_{n}",
                    "access_token_expire_in": expires,
                    "refresh_token": f"TTP_new_refresh_{n}",
                    "refresh_token_expire_in": expires + 300 * 86400,
                    "open_id": "open-1",
                    "seller_name": "Seller",
                },
            },
        )

    return handler


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_refresh_once(monkeypatch):
    counter: dict = {}
    transport = httpx.MockTransport(fake_token_host(counter, delay=0.3))
    monkeypatch.setattr("shops.gateway.http_client", lambda: httpx.Client(transport=transport))
    authorization = make_authorization(access="TTP_old", refresh="TTP_old_refresh")
    results: list[str] = []

    def worker():
        results.append(
            authorization_refresh(authorization_id=authorization.pk, stale_access_token="TTP_old")
        )
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter["calls"] == 1
    assert results == ["TTP_new_access_1", "TTP_new_access_1"]
    authorization.refresh_from_db()
    assert authorization.refresh_token == "TTP_new_refresh_1"  # the rotated refresh token is kept


@pytest.mark.django_db
def test_expired_refresh_token_marks_the_authorization_and_shows_the_banner(client, monkeypatch):
    transport = httpx.MockTransport(
        fake_token_host({}, fail_with={"code": 36004001, "message": "rt has expired"})
    )
    monkeypatch.setattr("shops.gateway.http_client", lambda: httpx.Client(transport=transport))
    authorization = make_authorization(access="TTP_old", refresh="TTP_dead")
    shop = make_shop(authorization=authorization, name="Lumen Home")
    with pytest.raises(NeedsReauthorizationError):
        authorization_refresh(authorization_id=authorization.pk, stale_access_token="TTP_old")
    authorization.refresh_from_db()
    shop.refresh_from_db()
    assert authorization.status == Authorization.Status.NEEDS_REAUTHORIZATION
    assert shop.status == Shop.Status.NEEDS_REAUTHORIZATION
    assert AuditEntry.objects.filter(action="reauthorization_needed").exists()

    client.force_login(make_user(role="admin"))
    body = client.get(reverse("dashboard")).content.decode()
    assert "needs re-authorizing" in body and "Reconnect" in body
    operator = make_user(role="operator")
    client.force_login(operator)
    assert "needs re-authorizing" not in client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_scheduled_refresh_only_touches_tokens_near_expiry(monkeypatch):
    counter: dict = {}
    transport = httpx.MockTransport(fake_token_host(counter))
    monkeypatch.setattr("shops.gateway.http_client", lambda: httpx.Client(transport=transport))
    soon = make_authorization(open_id="a", expires_in=timedelta(hours=2))
    later = make_authorization(open_id="b", expires_in=timedelta(days=6))
    from shops.tasks import refresh_expiring_tokens

    assert refresh_expiring_tokens() == 1
    assert refresh_expiring_tokens() == 0  # the new token is a week away
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.access_token == "TTP_new_access_1"
    assert later.access_token == "TTP_access"


# --- webhook intake ------------


@pytest.mark.django_db
def test_forged_webhook_gets_401_and_stores_nothing(client):
    response = signed_post(client, order_event(), secret="not-the-secret")
    assert response.status_code == 401
    unsigned = client.post(reverse("tiktok-webhook"), data="{}", content_type="application/json")
    assert unsigned.status_code == 401
    assert WebhookEvent.objects.count() == 0


HANDLED: list[int] = []


def record_event(event: WebhookEvent) -> None:
    HANDLED.append(event.pk)


@pytest.mark.django_db
def test_duplicate_webhook_is_stored_and_processed_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_HANDLERS = {1: "tests.shops.test_plumbing.record_event"}
    HANDLED.clear()
    shop = make_shop(tiktok_id="7494049642642441621")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = signed_post(client, order_event())
        second = signed_post(client, order_event())
    assert first.status_code == second.status_code == 200
    assert first.content == b""
    assert WebhookEvent.objects.count() == 1
    assert len(callbacks) == 1  # one processing job
    event = WebhookEvent.objects.get()
    assert event.shop == shop and event.attempts == 1
    assert [event.pk] == HANDLED
    assert event.status == WebhookEvent.Status.PROCESSED
    shop.refresh_from_db()
    assert shop.last_webhook_at is not None


@pytest.mark.django_db
def test_webhook_bodies_over_the_limit_or_malformed_are_refused(client, settings):
    settings.WEBHOOK_MAX_BYTES = 100
    assert signed_post(client, order_event()).status_code == 413
    assert WebhookEvent.objects.count() == 0
    settings.WEBHOOK_MAX_BYTES = 10_000
    assert signed_post(client, "[not json").status_code == 400
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.REJECTED


@pytest.mark.django_db
def test_deauthorization_webhook_revokes_and_drops_tokens(
    client, django_capture_on_commit_callbacks
):
    authorization = make_authorization()
    shop = make_shop(authorization=authorization, tiktok_id="111")
    event = {
        "type": 6,
        "tts_notification_id": "n6",
        "shop_id": "111",
        "timestamp": 1,
        "data": {"message": "seller deauthorized"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, event).status_code == 200
    authorization.refresh_from_db()
    shop.refresh_from_db()
    assert authorization.status == Authorization.Status.REVOKED
    assert not authorization.has_tokens
    assert shop.status == Shop.Status.NEEDS_REAUTHORIZATION
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


@pytest.mark.django_db
def test_upcoming_expiration_webhook_shows_its_date(client, django_capture_on_commit_callbacks):
    authorization = make_authorization(seller_name="Northwind")
    make_shop(authorization=authorization, tiktok_id="222")
    expires = int((timezone.now() + timedelta(days=30)).timestamp())
    event = {
        "type": 7,
        "tts_notification_id": "n7",
        "shop_id": "222",
        "timestamp": 1,
        "data": {"message": "expires soon", "expiration_time": str(expires)},
    }
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, event)
    authorization.refresh_from_db()
    assert authorization.status == Authorization.Status.EXPIRING
    assert authorization.expires_notice_at.date() == (timezone.now() + timedelta(days=30)).date()
    client.force_login(make_user(role="admin"))
    body = client.get(reverse("shops")).content.decode()
    assert "expires on" in body and "Northwind" in body


# --- per-shop access ------------


@pytest.mark.django_db
def test_operators_see_only_their_shops_and_others_are_404(client):
    mine = make_shop(name="Mine Shop", tiktok_id="1")
    theirs = make_shop(name="Their Shop", tiktok_id="2")
    operator = make_user(role="operator")
    mine.members.add(operator)
    client.force_login(operator)
    body = client.get(reverse("shops")).content.decode()
    assert "Mine Shop" in body and "Their Shop" not in body
    # Admin-only actions are refused outright; an admin gets a 404 for an unknown shop.
    assert client.post(reverse("shop-disconnect", args=[theirs.pk])).status_code == 403
    admin = make_user(role="admin")
    client.force_login(admin)
    assert client.post(reverse("shop-disconnect", args=[9999])).status_code == 404


@pytest.mark.django_db
def test_members_are_managed_by_htmx_and_audited(client):
    shop = make_shop(name="Atelier", tiktok_id="3")
    operator = make_user(username="opal", role="operator")
    admin = make_user(role="admin")
    client.force_login(admin)
    url = reverse("shop-members", args=[shop.pk])
    response = client.post(
        url, {"user": operator.pk, "action": "add"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "opal" in response.content.decode() and "<html" not in response.content.decode()
    assert "toast" in response.headers["HX-Trigger"]
    assert list(shop.members.all()) == [operator]
    client.post(url, {"user": operator.pk, "action": "remove"}, headers={"HX-Request": "true"})
    assert shop.members.count() == 0
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert sorted(actions) == ["member_added", "member_removed"]


@pytest.mark.django_db
def test_disconnect_deletes_tokens_of_the_last_shop_and_keeps_the_shop(client):
    authorization = make_authorization()
    shop = make_shop(authorization=authorization, tiktok_id="4")
    client.force_login(make_user(role="admin"))
    assert client.post(reverse("shop-disconnect", args=[shop.pk])).status_code == 302
    shop.refresh_from_db()
    authorization.refresh_from_db()
    assert shop.status == Shop.Status.DISCONNECTED
    assert not authorization.has_tokens
    assert AuditEntry.objects.filter(action="disconnect", shop=shop).exists()


# --- state of the connect flow ------------


@pytest.mark.django_db
def test_callback_without_a_session_state_is_refused_and_stores_nothing(client):
    client.force_login(make_user(role="admin"))
    response = client.get(
        reverse("shops-callback"), {"code": "abc", "state": "forged"}, follow=True
    )
    assert "did not start from Connect a shop" in response.content.decode()
    assert Authorization.objects.count() == 0


@pytest.mark.django_db
def test_forged_replayed_and_expired_state_are_refused(client, settings):
    client.force_login(make_user(role="admin"))
    start = client.post(reverse("shops-connect"))
    assert start.status_code == 302
    state = httpx.URL(start["Location"]).params["state"]
    forged = client.get(reverse("shops-callback"), {"code": "c", "state": state + "x"}, follow=True)
    assert "did not match this session" in forged.content.decode()
    # The state was consumed by the attempt above: replaying the real one fails too.
    replay = client.get(reverse("shops-callback"), {"code": "c", "state": state}, follow=True)
    assert "did not start from Connect a shop" in replay.content.decode()

    start = client.post(reverse("shops-connect"))
    state = httpx.URL(start["Location"]).params["state"]
    session = client.session
    session["tiktok_oauth_state"]["expires"] = time.time() - 1
    session.save()
    expired = client.get(reverse("shops-callback"), {"code": "c", "state": state}, follow=True)
    assert "expired" in expired.content.decode()
    assert Authorization.objects.count() == 0


@pytest.mark.django_db
def test_denied_consent_stores_nothing(client):
    client.force_login(make_user(role="admin"))
    start = client.post(reverse("shops-connect"))
    state = httpx.URL(start["Location"]).params["state"]
    denied = client.get(
        reverse("shops-callback"),
        {"code": "null", "error": "auth_denied", "state": state},
        follow=True,
    )
    assert "declined the authorization" in denied.content.decode()
    assert Authorization.objects.count() == 0


@pytest.mark.django_db
def test_operators_cannot_start_a_connection(client):
    client.force_login(make_user(role="operator"))
    assert client.post(reverse("shops-connect")).status_code == 403
