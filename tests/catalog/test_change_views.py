"""The change-set pages: selection, rule form, preview, apply, progress, revert, history, access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import ChangeRow, ChangeSet, Product
from catalog.services import PriceRule, change_set_create, change_set_preview
from shops.models import Command
from tests.factories import make_product, make_shop, make_user

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Sale",
    "reason": "Weekend",
    "price_mode": "lower_pct",
    "amount": "10",
    "ending": "0.99",
    "direction": "auto",
    "floor": "5.00",
    "currency": "USD",
    "list_price": "keep",
    "stock_mode": "keep",
}


@pytest.fixture
def setup(client):
    user = make_user()
    mine, other = make_shop(members=(user,)), make_shop()
    a, b = make_product(mine, price=Decimal("20.00")), make_product(mine, price=Decimal("5.50"))
    hidden = make_product(other)
    client.force_login(user)
    return {"user": user, "mine": mine, "other": other, "a": a, "b": b, "hidden": hidden}


def test_the_products_list_offers_selection_across_pages(client, setup):
    response = client.get(reverse("products"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="all_matching"' in html and f'value="{setup["a"].pk}"' in html
    response = client.get(
        reverse("change-new"), {"all_matching": "on", "filter": f"shop={setup['mine'].pk}"}
    )
    assert f"{setup['mine'].name} 2" in response.content.decode()


def test_ticked_products_make_a_previewed_change_set(client, setup):
    a, b = setup["a"], setup["b"]
    response = client.post(reverse("change-new"), {**RULE, "product": [a.pk, b.pk]})
    assert response.status_code == 302
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSet.State.PREVIEWED
    prices = dict(change_set.rows.values_list("sku__product_id", "new_price"))
    assert prices == {a.pk: Decimal("17.99"), b.pk: Decimal("5.00")}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"New price is at the floor" in page.content


def test_all_matching_uses_the_stored_filter_and_never_another_shop(client, setup):
    response = client.post(
        reverse("change-new"),
        {**RULE, "all_matching": "on", "filter": f"shop={setup['mine'].pk}"},
    )
    assert response.status_code == 302
    rows = ChangeRow.objects.all()
    assert set(rows.values_list("shop_id", flat=True)) == {setup["mine"].pk}
    # Another shop's product id, ticked by hand, is not chosen.
    response = client.post(reverse("change-new"), {**RULE, "product": [setup["hidden"].pk]})
    assert response.status_code == 400 and ChangeSet.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "1\x002"),
        ("amount", "²"),
        ("amount", "abc"),
        ("amount", "9" * 5000),
        ("floor", "-1"),
        ("name", "x" * 5000),
        ("name", "bad\x00name"),
        ("currency", "²²²"),
        ("warehouse_id", "1e5"),
        ("quantity", "²"),
    ],
)
def test_hostile_values_get_a_message_beside_the_field_and_create_nothing(
    client, setup, field, value
):
    data = {**RULE, "product": [setup["a"].pk], field: value}
    if field in ("quantity", "warehouse_id"):
        data["stock_mode"] = "set"
        data.setdefault("quantity", "3")
    response = client.post(reverse("change-new"), data)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"'.encode() in response.content
    assert not ChangeSet.objects.exists()


@pytest.mark.parametrize(
    ("list_price", "amount", "message"),
    [
        ("set", "", b"Give the list price."),
        ("clear", "12.00", b"Leave it empty to remove the list price."),
        ("clear", "\x00", b"Enter a number."),
        ("\x00", "", b"Select a valid choice."),
    ],
)
def test_a_list_price_rule_that_does_not_add_up_is_refused_beside_its_field(
    client, setup, list_price, amount, message
):
    data = {**RULE, "product": [setup["a"].pk], "list_price": list_price}
    data["list_price_amount"] = amount
    response = client.post(reverse("change-new"), data)
    assert response.status_code == 400
    assert message in response.content
    assert b'data-testid="error-list_price' in response.content
    assert not ChangeSet.objects.exists()


def test_a_hostile_selection_is_refused_without_a_5xx(client, setup):
    for product in ["\x00", "²", "9" * 5000, "-1"]:
        response = client.post(reverse("change-new"), {**RULE, "product": product})
        assert response.status_code == 400
    response = client.post(
        reverse("change-new"), {**RULE, "all_matching": "on", "filter": "status=\x00"}
    )
    assert response.status_code == 400
    assert not ChangeSet.objects.exists()


def test_apply_needs_every_warning_acknowledged(client, setup):
    client.post(reverse("change-new"), {**RULE, "product": [setup["b"].pk]})
    change_set = ChangeSet.objects.get()
    url = reverse("change-apply", args=[change_set.pk])
    response = client.post(url, {})
    assert response.status_code == 302 and not Command.objects.exists()
    response = client.post(url, {"acknowledged": ["at_floor"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLYING
    row = change_set.rows.get()
    assert row.command.kind == "catalog.set_prices" and row.outcome == "sent"
    progress = client.get(reverse("change-progress", args=[change_set.pk]))
    assert progress.status_code == 200 and b'hx-trigger="every 1s"' in progress.content


def test_another_shops_change_set_is_hidden_and_its_pages_are_404(client, setup):
    admin = make_user(role="admin")
    theirs = change_set_create(
        name="Theirs",
        reason="x",
        actor=admin,
        products=Product.objects.filter(pk__in=[setup["a"].pk, setup["hidden"].pk]),
        price_rule=PriceRule(mode="lower_pct", amount=Decimal("5")),
    )
    change_set_preview(change_set=theirs)
    listing = client.get(reverse("changes"))
    assert listing.status_code == 200 and b"Theirs" not in listing.content
    for name in ("change-detail", "change-progress"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("change-apply", "change-revert", "change-retry", "change-preview"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert not Command.objects.exists()


def test_the_history_lists_my_change_sets_with_counts(client, setup):
    client.post(reverse("change-new"), {**RULE, "product": [setup["a"].pk]})
    response = client.get(reverse("changes"))
    assert response.status_code == 200
    assert b"Sale" in response.content and b"Weekend" in response.content
    assert client.get(reverse("changes") + "?page=\x00").status_code == 200


def test_inline_edits_go_to_one_draft_and_nothing_is_sent(client, setup):
    product = setup["a"]
    sku = product.skus.get()
    stock = sku.inventory.get()
    url = reverse("sku-edit", args=[product.pk, sku.pk])
    assert client.post(url, {"price": "15.49"}).status_code == 302
    assert client.post(url, {f"stock_{stock.warehouse_id}": "3"}).status_code == 302
    draft = ChangeSet.objects.get()
    assert draft.rows.count() == 2
    # Previewed by the same rules as every change set, so its warnings show in the row.
    assert draft.state == ChangeSet.State.PREVIEWED
    page = client.get(reverse("product-detail", args=[product.pk]))
    assert b"2 unsent changes" in page.content and b"15.49" in page.content
    for bad in (
        {"price": "\x00"},
        {"price": "²"},
        {"price": "9" * 5000},
        {"price": "-1"},
        {f"stock_{stock.warehouse_id}": "-2"},
        {f"stock_{stock.warehouse_id}": "1e5"},
        {"stock_999999": "2"},
        {},
    ):
        assert client.post(url, bad).status_code == 302
    assert draft.rows.count() == 2 and not Command.objects.exists()
    hidden = setup["hidden"]
    other_url = reverse("sku-edit", args=[hidden.pk, hidden.skus.get().pk])
    assert client.post(other_url, {"price": "1.00"}).status_code == 404
    assert client.get(other_url, HTTP_HX_REQUEST="true").status_code == 404
    assert (
        client.post(
            reverse("sku-edit", args=[product.pk, hidden.skus.get().pk]), {"price": "1"}
        ).status_code
        == 404
    )


def test_a_sku_row_is_edited_in_place_with_htmx(client, setup):
    product = setup["a"]
    sku = product.skus.get()
    stock = sku.inventory.get()
    url = reverse("sku-edit", args=[product.pk, sku.pk])
    row = client.get(url, HTTP_HX_REQUEST="true")
    html = row.content.decode()
    assert row.status_code == 200 and html.lstrip().startswith("<tr")
    assert 'data-editing="1"' in html and 'name="price"' in html
    assert f'name="stock_{stock.warehouse_id}"' in html
    shown = client.get(url, {"mode": "show"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-editing="1"' not in shown and 'data-testid="edit-row"' in shown
    for hostile in ("\x00", "²", "x" * 5000):
        row = client.get(url, {"mode": hostile}, HTTP_HX_REQUEST="true")
        assert row.status_code == 200 and b'data-editing="1"' in row.content
    # Without JavaScript the Edit link opens the page with that row in edit mode.
    assert client.get(url)["Location"].endswith(f"?edit={sku.pk}")
    page = client.get(reverse("product-detail", args=[product.pk]), {"edit": sku.pk})
    assert b'data-editing="1"' in page.content
    for hostile in ("\x00", "²", "9" * 5000, "-1"):
        page = client.get(reverse("product-detail", args=[product.pk]), {"edit": hostile})
        assert page.status_code == 200 and b'data-editing="1"' not in page.content

    # A bad value comes back in the row, beside its field; nothing is saved.
    bad = client.post(url, {"price": "abc"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and b'data-testid="error-price"' in bad.content
    assert not ChangeSet.objects.exists()
    # What was typed stays in the row, and the cursor goes to the field to mend.
    field = f"stock_{stock.warehouse_id}"
    bad = client.post(url, {"price": "7.50", field: "-2"}, HTTP_HX_REQUEST="true")
    html = bad.content.decode()
    assert f'data-testid="error-{field}"' in html and 'value="7.50"' in html
    assert 'value="-2" class="form-control form-control-sm is-invalid" autofocus' in html
    assert 'data-testid="edit-price"' in html and html.count("autofocus") == 1
    assert not ChangeSet.objects.exists()
    empty = client.post(url, {}, HTTP_HX_REQUEST="true")
    assert b'data-testid="error-row"' in empty.content
    # Saving swaps the SKU table with the draft bar; the price at half shows its warning.
    saved = client.post(
        url, {"price": "9.00", f"stock_{stock.warehouse_id}": "4"}, HTTP_HX_REQUEST="true"
    )
    html = saved.content.decode()
    assert saved.status_code == 200 and html.lstrip().startswith('<div id="skus">')
    assert "2 unsent changes" in html and "HX-Trigger" in saved
    assert saved["HX-Retarget"] == "#skus"
    assert "Price changes by more than 50 %" in html
    draft = ChangeSet.objects.get()
    assert set(draft.rows.values_list("field", "new_price", "new_quantity")) == {
        ("price", Decimal("9.00"), None),
        ("stock", None, 4),
    }
    assert not Command.objects.exists()
