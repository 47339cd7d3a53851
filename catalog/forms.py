"""Forms behind the change-set pages: the rules, the acknowledgements, the inline edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from catalog.services import WARNINGS, PriceRule, StockRule
from tiktok.types import MAX_STOCK_QUANTITY


def money_field(label: str) -> forms.DecimalField:
    """An optional amount of money: at most 2 decimals, never negative."""
    return forms.DecimalField(
        required=False, label=label, max_digits=11, decimal_places=2, min_value=Decimal("0")
    )


class ChangeSetRuleForm(forms.Form):
    """Name, reason, and the price and stock rules applied to the chosen products."""

    name = forms.CharField(max_length=200)
    reason = forms.CharField(max_length=500)
    price_mode = forms.ChoiceField(
        label="Price",
        choices=[
            ("keep", "Keep"),
            ("set", "Set to"),
            ("add", "Add"),
            ("subtract", "Subtract"),
            ("raise_pct", "Raise by %"),
            ("lower_pct", "Lower by %"),
        ],
        initial="keep",
    )
    amount = money_field("Amount or %")
    currency = forms.CharField(
        required=False, max_length=3, help_text="The currency of every amount (not of a %)."
    )
    ending = forms.ChoiceField(
        required=False,
        label="Round to",
        choices=[("", "No rounding"), ("0.99", ".99"), ("0.95", ".95"), ("0.00", ".00")],
    )
    direction = forms.ChoiceField(
        choices=[
            ("auto", "In the change's direction"),
            ("nearest", "Nearest"),
            ("down", "At or below"),
            ("up", "At or above"),
        ],
        initial="auto",
    )
    floor = money_field("Never below")
    ceiling = money_field("Never above")
    list_price = forms.ChoiceField(
        choices=[
            ("keep", "Keep list price"),
            ("set", "Set list price to"),
            ("clear", "Remove list price"),
        ],
        initial="keep",
    )
    list_price_amount = money_field("List price")
    stock_mode = forms.ChoiceField(
        label="Stock",
        choices=[("keep", "Keep"), ("set", "Set to"), ("add", "Add"), ("subtract", "Subtract")],
        initial="keep",
    )
    quantity = forms.IntegerField(required=False, min_value=0, max_value=MAX_STOCK_QUANTITY)
    warehouse_id = forms.RegexField(
        required=False,
        regex=r"^\d{1,32}$",
        label="Warehouse id",
        help_text="Empty: every warehouse of each SKU.",
        error_messages={"invalid": "A TikTok warehouse id is digits only."},
    )

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if value and not (len(value) == 3 and value.isascii() and value.isalpha()):
            raise forms.ValidationError("A currency is three letters, like USD.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("price_mode")
        if (
            mode in ("set", "add", "subtract", "raise_pct", "lower_pct")
            and data.get("amount") is None
        ):
            self.add_error("amount", "Give the amount or percentage.")
        if mode == "lower_pct" and (data.get("amount") or 0) >= 100:
            self.add_error("amount", "Lower by less than 100 %.")
        if mode == "set" and data.get("amount") == 0:
            self.add_error("amount", "A price must be above 0.")
        if data.get("list_price") == "set" and data.get("list_price_amount") is None:
            self.add_error("list_price_amount", "Give the list price.")
        if data.get("list_price") == "clear" and data.get("list_price_amount") is not None:
            self.add_error("list_price_amount", "Leave it empty to remove the list price.")
        floor, ceiling = data.get("floor"), data.get("ceiling")
        if floor is not None and ceiling is not None and floor > ceiling:
            self.add_error("ceiling", "The ceiling is below the floor.")
        if data.get("stock_mode") not in (None, "keep") and data.get("quantity") is None:
            self.add_error("quantity", "Give the quantity.")
        return data

    def price_rule(self) -> PriceRule:
        d = self.cleaned_data
        return PriceRule(
            mode=d["price_mode"],
            amount=d.get("amount"),
            currency=d.get("currency", ""),
            ending=d.get("ending", ""),
            direction=d.get("direction") or "auto",
            floor=d.get("floor"),
            ceiling=d.get("ceiling"),
            list_price=d.get("list_price") or "keep",
            list_price_amount=d.get("list_price_amount"),
        )

    def stock_rule(self) -> StockRule:
        d = self.cleaned_data
        return StockRule(
            mode=d["stock_mode"], quantity=d.get("quantity") or 0, warehouse_id=d["warehouse_id"]
        )


class SelectionForm(forms.Form):
    """Which products: the ticked ones, or every one matching the stored filter."""

    product = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    all_matching = forms.BooleanField(required=False)
    filter = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    # How many matched when the operator chose "all matching" (shown again if it moved).
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_product(self) -> list[int]:
        return self.cleaned_data["product"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        # Any id is a choice here: the view keeps only the visible ones.
        field.valid_value = lambda value: str(value).isdigit() and len(str(value)) < 19  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("all_matching") and not data.get("product"):
            raise forms.ValidationError("Tick some products, or choose all matching.")
        return data


class ApplyForm(forms.Form):
    """The warning groups the operator acknowledged before pressing Apply."""

    acknowledged = forms.MultipleChoiceField(
        required=False, choices=list(WARNINGS.items()), widget=forms.CheckboxSelectMultiple
    )


class EditingForm(forms.Form):
    """Which SKU row of the product page is in edit mode (without JavaScript: ?edit=<pk>)."""

    edit = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    # The row asked alone (htmx): "show" to leave edit mode.
    mode = forms.ChoiceField(required=False, choices=[("", "edit"), ("show", "show")])


class SkuEditForm(forms.Form):
    """A SKU's new price and/or new stock per warehouse, typed in its row on the product page.

    Blank means no change; one field per warehouse the SKU is stocked in (`stock_<pk>`).
    """

    price = forms.DecimalField(
        required=False,
        max_digits=11,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="New price",
    )

    def __init__(self, *args: Any, warehouses: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouses = {w.pk: w for w in warehouses}
        for warehouse in warehouses:
            self.fields[f"stock_{warehouse.pk}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MAX_STOCK_QUANTITY,
                label=f"New stock in {warehouse.name or warehouse.tiktok_id}",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and all(v is None for v in data.values()):
            raise forms.ValidationError("Type a new price or a new stock.")
        return data

    def stock(self) -> list[tuple[Any, int]]:
        """(warehouse, new quantity) for every warehouse given a value."""
        return [
            (warehouse, self.cleaned_data[f"stock_{pk}"])
            for pk, warehouse in self.warehouses.items()
            if self.cleaned_data.get(f"stock_{pk}") is not None
        ]


class ImportForm(forms.Form):
    """A CSV file of new prices and stock, with the change set's name and reason."""

    name = forms.CharField(max_length=200)
    reason = forms.CharField(max_length=500)
    file = forms.FileField(label="CSV file", allow_empty_file=False)


class RetryForm(forms.Form):
    """Which failed rows to send again: those of one TikTok error, or (empty) all of them."""

    error = forms.CharField(required=False, max_length=2000, strip=False)


class ExcludeForm(forms.Form):
    """Rows to leave out of a preview, or put back: ticked ones, or every one with a warning."""

    action = forms.ChoiceField(choices=[("exclude", "Leave out"), ("include", "Put back")])
    row = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    warning = forms.ChoiceField(required=False, choices=[("", ""), *WARNINGS.items()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["row"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        # Any id is a choice here: the view keeps only the change set's own rows.
        field.valid_value = lambda value: str(value).isdigit() and len(str(value)) < 19  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("row") and not data.get("warning"):
            raise forms.ValidationError("Choose rows, or a warning.")
        return data
