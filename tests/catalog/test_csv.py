"""CSV round trip: export, edit, import with a bad line (refused, nothing made), fix, import."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import ChangeSet
from tests.factories import make_product, make_shop, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    user = make_user()
    mine, other = make_shop(members=(user,)), make_shop()
    a = make_product(mine, skus=2, price=Decimal("20.00"))
    hidden = make_product(other)
    client.force_login(user)
    return {"user": user, "a": a, "hidden": hidden}


def export(client, **params) -> list[dict[str, str]]:
    response = client.get(reverse("change-export"), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def upload(client, rows: list[dict[str, str]] | bytes, name="prices.csv"):
    if isinstance(rows, bytes):
        data = rows
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        data = out.getvalue().encode("utf-8-sig")
    return client.post(
        reverse("change-import"),
        {"name": "Import", "reason": "supplier list", "file": SimpleUploadedFile(name, data)},
    )


def test_round_trip_with_one_bad_line_then_fixed(client, setup):
    rows = export(client)
    assert len(rows) == 2 and {r["shop"] for r in rows} == {setup["a"].shop.name}
    assert all(r["new_price"] == "" and r["new_stock"] == "" for r in rows)
    rows[0]["new_price"] = "18.99"
    rows[1]["new_stock"] = "abc"
    response = upload(client, rows)
    assert response.status_code == 400
    assert b"Line 3, column new_stock: Not a whole number." in response.content
    assert not ChangeSet.objects.exists()
    rows[1]["new_stock"] = "7"
    response = upload(client, rows)
    assert response.status_code == 302
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSet.State.PREVIEWED
    assert sorted(change_set.rows.values_list("field", "new_price", "new_quantity")) == [
        ("price", Decimal("18.99"), None),
        ("stock", None, 7),
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"new_price": "-5"}, b"Line 2, column new_price: A price must be above 0."),
        ({"new_price": "12,5"}, b"Line 2, column new_price: Not a number."),
        ({"new_price": "\xb2"}, b"Line 2, column new_price: Not a number."),
        ({"new_price": "=1+1"}, b"Line 2, column new_price: A formula is not a value."),
        ({"new_price": "1" * 5000}, b"Line 2, column new_price: The cell is too long."),
        ({"sku_id": "1.73E+18", "new_price": "3"}, b"turned into a number"),
        ({"sku_id": "99999", "new_price": "3"}, b"Unknown SKU"),
        ({"new_stock": "100000"}, b"Stock is 0 to 99999"),
    ],
)
def test_each_bad_cell_is_named_by_line_and_column(client, setup, edit, expected):
    rows = export(client)
    rows[0].update(edit)
    response = upload(client, rows)
    assert response.status_code == 400
    assert expected in response.content
    assert not ChangeSet.objects.exists()


def test_another_shops_sku_is_unknown_and_duplicates_and_headers_are_refused(client, setup):
    rows = export(client)
    hidden_sku = setup["hidden"].skus.get()
    rows[0].update(sku_id=hidden_sku.tiktok_id, new_price="3")
    assert b"Unknown SKU" in upload(client, rows).content
    rows = export(client)
    rows[1] = {**rows[0]}
    rows[0]["new_price"] = "3"
    assert (
        b"Line 3, column sku_id: Same SKU and warehouse as line 2." in upload(client, rows).content
    )
    assert b"Line 1, column" in upload(client, b"a,b\n1,2\n").content
    assert b"not UTF-8" in upload(client, "sku_id\n\xe9".encode("latin-1")).content
    assert b"NUL" in upload(client, b"sku_id,warehouse_id\n1\x00,2\n").content
    assert not ChangeSet.objects.exists()


def test_an_oversized_file_is_refused(client, setup, monkeypatch):
    from catalog import csvio

    monkeypatch.setattr(csvio, "MAX_BYTES", 100)
    response = upload(client, b"x" * 200)
    assert response.status_code == 400 and b"over" in response.content
    assert not ChangeSet.objects.exists()


def test_values_changed_between_export_and_import_are_counted_and_flagged(client, setup):
    rows = export(client)
    for row in rows:
        row["new_price"], row["new_stock"] = "17.49", "8"
    first = setup["a"].skus.order_by("seller_sku", "id").first()
    first.price = Decimal("21.00")  # changed on TikTok (and mirrored) after the export
    first.save()
    first.inventory.update(quantity=3)
    response = upload(client, rows)
    assert response.status_code == 302
    change_set = ChangeSet.objects.get()
    assert change_set.rule["changed_since_export"] == 2
    flagged = change_set.rows.filter(warnings__contains=["changed_since_export"])
    assert set(flagged.values_list("sku_id", "field")) == {(first.pk, "price"), (first.pk, "stock")}
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="changed-since-export"' in page
    assert 'data-testid="warning-changed_since_export"' in page
