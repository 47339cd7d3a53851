"""The suite-wide guard: no HTTP request, back-off sleep or token refresh inside a transaction."""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import transaction

from tests import conftest
from tests.conftest import TransactionGuardError


def _forget_this_tests_violations() -> None:
    conftest._guard["violations"].clear()


@pytest.mark.django_db
def test_an_http_request_inside_atomic_fails_and_outside_passes():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=transport) as http:
        http.get("http://127.0.0.1/outside")  # the test's own transaction does not count
        with pytest.raises(TransactionGuardError, match="HTTP GET /inside"), transaction.atomic():
            http.get("http://127.0.0.1/inside")
    _forget_this_tests_violations()


@pytest.mark.django_db
def test_a_sleep_inside_atomic_fails():
    time.sleep(0.001)
    with pytest.raises(TransactionGuardError, match="sleep"), transaction.atomic():
        time.sleep(0.001)
    _forget_this_tests_violations()


@pytest.mark.django_db
def test_a_token_refresh_inside_atomic_fails():
    from shops import tokens
    from tests.shops.helpers import make_authorization

    authorization = make_authorization()
    with pytest.raises(TransactionGuardError, match="token refresh"), transaction.atomic():
        tokens.authorization_refresh(authorization_id=authorization.pk)
    _forget_this_tests_violations()


@pytest.mark.django_db(transaction=True)
def test_the_guard_counts_real_transactions_when_tests_have_none():
    with pytest.raises(TransactionGuardError), transaction.atomic():
        time.sleep(0.001)
    _forget_this_tests_violations()


@pytest.mark.django_db
def test_a_swallowed_violation_is_still_recorded(transaction_guard):
    try:
        with transaction.atomic():
            time.sleep(0.001)
    except TransactionGuardError:
        pass  # product code that catches broad errors
    assert len(transaction_guard["violations"]) == 1
    _forget_this_tests_violations()
