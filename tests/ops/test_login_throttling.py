"""Login throttling (django-axes): per username *and* address, behind a trusted proxy too."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from backoffice.auth import client_address
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _fail_five_times(client, username: str, **extra) -> None:
    for _ in range(4):
        assert _login(client, username, "wrong", **extra).status_code == 200
    # The fifth failure is the one that locks.
    assert _login(client, username, "wrong", **extra).status_code == 429


def test_five_failures_lock_that_username_at_that_address_and_say_when_to_retry(client):
    make_user(username="olivia")
    _fail_five_times(client, "olivia")
    locked = _login(client, "olivia", PASSWORD)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many failed attempts for this username. Try again in 15 minutes." in body
    assert "_auth_user_id" not in client.session
    # Spelled with capitals and spaces it is the same username.
    assert _login(client, "  OLIVIA ", PASSWORD).status_code == 429


def test_another_user_at_the_same_address_is_not_locked_out(client):
    make_user(username="olivia")
    make_user(username="omar")
    _fail_five_times(client, "olivia")
    assert _login(client, "omar", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"]


def test_the_same_user_from_another_address_is_not_locked_out(client):
    make_user(username="olivia")
    _fail_five_times(client, "olivia", REMOTE_ADDR="203.0.113.7")
    assert _login(client, "olivia", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert _login(client, "olivia", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_behind_the_trusted_proxy_addresses_come_from_the_forwarded_header(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    make_user(username="olivia")
    via_proxy = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    _fail_five_times(client, "olivia", **via_proxy)
    assert _login(client, "olivia", PASSWORD, **via_proxy).status_code == 429
    # Another client behind the same proxy is another address.
    other = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert _login(client, "olivia", PASSWORD, **other).status_code == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Not from a trusted proxy: the header is the client's own claim and is ignored.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        # From the proxy: the right-most hop the proxy did not add is the client.
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),
        # A client that forges a left-most hop cannot choose its address.
        ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Chained trusted proxies are skipped.
        ("10.0.0.2", "203.0.113.7, 10.0.0.3", "203.0.113.7"),
        # Garbage in the header: the proxy's address, never the garbage.
        ("10.0.0.2", "\x00², bogus", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/29"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.parametrize("username", ["ali\x00ce", "²", "u" * 5000, ""])
def test_hostile_usernames_are_a_failed_login_never_a_5xx(client, username):
    response = _login(client, username, "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
