"""The API tokens page: make a token (its key shown once), see them, revoke one."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import get
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, operator):
    client.force_login(operator)
    return client


def test_the_page_needs_a_login(client):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_creating_a_token_shows_its_key_once_and_stores_only_its_hash(logged_in, operator):
    response = logged_in.post(reverse("api-tokens"), {"name": "Sales sheet"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    key = response.context["new_key"]
    assert key.startswith("tbo_") and key in response.content.decode()
    token = ApiToken.objects.get(user=operator)
    assert token.name == "Sales sheet"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiToken.objects.values()))
    page = logged_in.get(reverse("api-tokens")).content.decode()
    assert key not in page
    assert f"tbo_{token.prefix}_…" in page and "never" in page
    # It works at once, as the person who made it.
    assert get("/api/v1/shops", key).status_code == 200


def test_an_htmx_post_swaps_the_tokens_region(logged_in):
    response = logged_in.post(
        reverse("api-tokens"), {"name": "Claude"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 201
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tokens"') and "<html" not in html
    [key] = re.findall(r'value="(tbo_[0-9a-f]{8}_[\w-]+)"', html)
    assert ApiToken.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest()).name == "Claude"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("a\x00b", "Null characters are not allowed."),
        ("x" * 5000, "Ensure this value has at most 100 characters"),
        ("tab\there", "Use letters, digits, spaces and punctuation only."),
    ],
)
def test_a_bad_name_gets_a_message_and_makes_nothing(logged_in, name, message):
    response = logged_in.post(reverse("api-tokens"), {"name": name})
    # The form again with its message (as every form here: htmx swaps it in).
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["new_key"] == ""
    assert not ApiToken.objects.exists()


def test_a_name_in_any_script_is_fine(logged_in):
    assert logged_in.post(reverse("api-tokens"), {"name": "Łukasz² 😀"}).status_code == 201


def test_revoking_a_token_closes_the_api_at_once(logged_in, operator):
    token, key = token_create(user=operator, name="laptop")
    assert get("/api/v1/shops", key).status_code == 200
    response = logged_in.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert get("/api/v1/shops", key).status_code == 401
    assert "revoked" in logged_in.get(reverse("api-tokens")).content.decode()


def test_someone_elses_token_is_404_and_stays_valid(logged_in):
    other, key = token_create(user=make_user(), name="theirs")
    response = logged_in.post(reverse("api-token-revoke", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert get("/api/v1/shops", key).status_code == 200
    assert other.name not in logged_in.get(reverse("api-tokens")).content.decode()


def test_revoke_is_post_only(logged_in, operator):
    token, _ = token_create(user=operator, name="laptop")
    assert logged_in.get(reverse("api-token-revoke", args=[token.pk])).status_code == 405


def test_the_user_menu_links_the_page(logged_in):
    assert reverse("api-tokens") in logged_in.get(reverse("dashboard")).content.decode()
