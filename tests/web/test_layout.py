"""Layout context is computed at most once per request, and never by a polled fragment."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_shop, make_user
from tests.shops.helpers import make_authorization

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def tables_read(client, url: str, headers: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=headers or {}).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_polled_fragments_do_not_pay_for_role_banners_or_zone(client):
    admin = make_user(role="admin")
    make_shop(authorization=make_authorization())
    client.force_login(admin)
    client.get(reverse("dashboard"))  # the session learns the display zone
    page = tables_read(client, reverse("shops"))
    assert sum('"shops_authorization"' in q for q in page) >= 1  # the banner is looked up
    assert sum('"auth_group"' in q for q in page) == 1  # the role, once
    badge = tables_read(client, reverse("worker-badge"), HTMX)
    assert not [q for q in badge if '"shops_authorization"' in q or '"auth_group"' in q]
    assert not [q for q in badge if '"shops_profile"' in q]
