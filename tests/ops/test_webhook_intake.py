"""The webhook intake never answers 5xx and never fails open, whatever arrives."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shops.models import WebhookEvent
from tiktok.signing import webhook_signature

pytestmark = pytest.mark.django_db

URL = "/webhooks/tiktok"


def sign(body: str | bytes, key: str = "testappkey", secret: str = "testappsecret") -> str:
    return webhook_signature(key, secret, body)


def post(client, body: str | bytes, **headers):
    return client.generic("POST", URL, body, content_type="application/json", **headers)


def event(**fields) -> dict:
    base = {
        "type": 1,
        "tts_notification_id": "7327112393057371910",
        "shop_id": "7494049642642441621",
        "timestamp": 1644412885,
        "data": {"order_id": "576486316948490001", "order_status": "UNPAID"},
    }
    base.update(fields)
    return base


UNSIGNED = [
    {"HTTP_AUTHORIZATION": "\xe9"},
    {"HTTP_AUTHORIZATION": "é" * 64},
    {"HTTP_AUTHORIZATION": "\x00" * 64},
    {"HTTP_AUTHORIZATION": "a" * 5000},
    {"HTTP_AUTHORIZATION": ""},
    {},
]


@pytest.mark.parametrize("headers", UNSIGNED)
def test_unsigned_requests_get_401_before_touching_the_database(client, headers):
    body = json.dumps(event())
    with CaptureQueriesContext(connection) as queries:
        response = post(client, body, **headers)
    assert response.status_code == 401
    assert len(queries) == 0
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("length", "status"),
    [("abc", 400), ("-1", 400), ("1e3", 400), ("²", 400), ("9" * 40, 413), ("2000000", 413)],
)
def test_any_content_length_gets_an_answer_not_an_error(client, length, status):
    body = json.dumps(event())
    response = post(client, body, CONTENT_LENGTH=length, HTTP_AUTHORIZATION=sign(body))
    assert response.status_code == status
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage", b"", b"[" * 100_000, b"\x00", '{"type": 1, "x": "\u00b2"}'.encode()],
)
def test_unsigned_bodies_of_any_kind_get_401(client, body):
    assert post(client, body, HTTP_AUTHORIZATION="0" * 64).status_code == 401
    assert WebhookEvent.objects.count() == 0


HOSTILE_SIGNED = {
    "type out of smallint range": json.dumps(event(type=99999)),
    "negative type": json.dumps(event(type=-1)),
    "zero type": json.dumps(event(type=0)),
    "type a word": json.dumps(event(type="order")),
    "type a float": json.dumps(event(type=1.5)),
    "type true": json.dumps(event(type=True)),
    "overlong notification id": json.dumps(event(tts_notification_id="7" * 100)),
    "overlong shop id": json.dumps(event(shop_id="7" * 40)),
    "shop id an object": json.dumps(event(shop_id={"id": 1})),
    "NUL escape in data": json.dumps(event(data={"order_id": "1\u00002"})),
    "NUL escape in a key": json.dumps(event(data={"a\u0000": "1"})),
    "huge timestamp": json.dumps(event(timestamp=1e20)),
    "negative timestamp": json.dumps(event(timestamp=-5)),
    "timestamp past the year 9999": json.dumps(event(timestamp=300_000_000_000)),
    "timestamp a word": json.dumps(event(timestamp="yesterday")),
    "deep nesting": "[" * 100_000,
    "nesting within the limit of JSON but not ours": json.dumps(
        event(data={"a": [[[[[[[[]]]]]]]]})
    ).replace("[[[[[[[[]]]]]]]]", "[" * 200 + "]" * 200),
    "data a list": json.dumps(event(data=[1, 2])),
    "not JSON": "{not json",
    "not an object": "[1, 2, 3]",
    "invalid UTF-8": b'{"type": 1, "data": {"x": "\xff"}}',
    "infinite number": '{"type": 1, "timestamp": 1e400}',
}


@pytest.mark.parametrize("name", list(HOSTILE_SIGNED))
def test_signed_events_that_do_not_fit_get_400_and_are_recorded_as_rejected(client, name):
    body = HOSTILE_SIGNED[name]
    response = post(client, body, HTTP_AUTHORIZATION=sign(body))
    assert response.status_code == 400
    rejected = WebhookEvent.objects.get()
    assert rejected.status == WebhookEvent.Status.REJECTED
    assert rejected.error
    assert rejected.payload == {}
    # A redelivery of the same body is refused again and recorded once.
    assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 400
    assert WebhookEvent.objects.count() == 1


def test_rejected_events_are_never_processed(client, django_capture_on_commit_callbacks):
    body = json.dumps(event(type=99999))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 400
    assert callbacks == []


def test_an_unknown_type_in_range_is_stored_normally(client, django_capture_on_commit_callbacks):
    body = json.dumps(event(type=42, tts_notification_id="n-42"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.type == 42
    assert stored.status == WebhookEvent.Status.IGNORED


def test_data_nested_as_a_json_string_is_stored_as_an_object(client):
    body = json.dumps(event(data=json.dumps({"order_id": "5"})))
    assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 200
    assert WebhookEvent.objects.get().payload["data"] == {"order_id": "5"}


def test_millisecond_timestamps_are_read(client):
    body = json.dumps(event(timestamp=1644412885123))
    assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 200
    assert WebhookEvent.objects.get().sent_at.year == 2022


@pytest.mark.parametrize(("key", "secret"), [("", ""), ("testappkey", ""), ("", "testappsecret")])
def test_without_app_credentials_every_webhook_is_refused(client, settings, key, secret):
    settings.TIKTOK_APP_KEY, settings.TIKTOK_APP_SECRET = key, secret
    body = json.dumps(event())
    for signature in (sign(body, key="", secret=""), sign(body, key=key, secret=secret)):
        assert post(client, body, HTTP_AUTHORIZATION=signature).status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_a_valid_event_still_gets_200(client):
    body = json.dumps(event())
    response = client.post(
        reverse("tiktok-webhook"),
        data=body,
        content_type="application/json",
        headers={"Authorization": sign(body)},
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.RECEIVED


CALLS: list[int] = []


def count_call(event: WebhookEvent) -> None:
    CALLS.append(event.pk)


def test_a_redelivered_processing_job_is_a_no_op(client, settings):
    from shops import tasks

    settings.WEBHOOK_HANDLERS = {1: "tests.ops.test_webhook_intake.count_call"}
    CALLS.clear()
    body = json.dumps(event())
    assert post(client, body, HTTP_AUTHORIZATION=sign(body)).status_code == 200
    stored = WebhookEvent.objects.get()
    assert tasks.webhook_process(stored.pk) == WebhookEvent.Status.PROCESSED
    # The broker hands the same job out again: nothing runs twice.
    assert tasks.webhook_process(stored.pk) == WebhookEvent.Status.PROCESSED
    assert [stored.pk] == CALLS
    stored.refresh_from_db()
    assert stored.attempts == 1
