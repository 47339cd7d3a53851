"""Forms of the returns inbox: its filters, one decision, a bulk decision, a seller cancel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from fulfillment.decisions import COMMENT_MAX, DECISIONS, Decision
from fulfillment.models import CANCELLATION_STATUSES, RETURN_STATUSES, Cancellation, Return
from shops.models import Shop

TYPE_CHOICES = [
    ("", "Any type"),
    ("returns", "Any return or refund"),
    ("REFUND", "Refund only"),
    ("RETURN_AND_REFUND", "Return and refund"),
    ("REPLACEMENT", "Replacement"),
    ("EXCHANGE", "Exchange"),
    ("CANCEL", "Cancellation"),
]
STATE_CHOICES = [
    ("waiting", "Waiting for me"),
    ("others", "Waiting for the buyer or TikTok, or closed"),
    ("all", "All"),
]
PICK = {"invalid_choice": "Pick one of the listed values."}
digits = RegexValidator(r"^[0-9]+$", "Enter the order id's digits only.")


class InboxFilterForm(forms.Form):
    """What to show: every value is a real choice or a short exact id."""

    type = forms.ChoiceField(
        choices=TYPE_CHOICES, required=False, label="Type", error_messages=PICK
    )
    state = forms.ChoiceField(
        choices=STATE_CHOICES, required=False, label="Whose move", error_messages=PICK
    )
    status = forms.ChoiceField(
        choices=[
            ("", "Any status"),
            ("Returns", RETURN_STATUSES),
            ("Cancellations", CANCELLATION_STATUSES),
        ],
        required=False,
        label="Status",
        error_messages=PICK,
    )
    shop = forms.ModelChoiceField(
        queryset=Shop.objects.none(),
        required=False,
        empty_label="Any shop",
        label="Shop",
        error_messages=PICK,
    )
    reason = forms.ChoiceField(
        choices=[("", "Any reason")], required=False, label="Reason", error_messages=PICK
    )
    order = forms.CharField(
        max_length=32,
        required=False,
        validators=[digits],
        label="Order id (exact)",
        widget=forms.TextInput(attrs={"placeholder": "Order id"}),
    )
    buyer = forms.CharField(
        max_length=100,
        required=False,
        label="Buyer name contains",
        widget=forms.TextInput(attrs={"placeholder": "Buyer name"}),
    )
    sku = forms.CharField(
        max_length=100,
        required=False,
        label="Seller SKU (exact)",
        widget=forms.TextInput(attrs={"placeholder": "Seller SKU"}),
    )
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def __init__(self, *args: Any, shops: Any, reasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops  # type: ignore[attr-defined]
        self.fields["reason"].choices = [("", "Any reason"), *[(r, r) for r in reasons]]  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class DecisionForm(forms.Form):
    """One decision on one request; only the decisions valid now are choices."""

    decision = forms.ChoiceField(choices=())
    reject_reason = forms.ChoiceField(choices=(), required=False, label="Reason")
    comment = forms.CharField(
        max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(
        required=False, min_value=0.01, max_digits=14, decimal_places=2, label="Amount"
    )
    currency = forms.CharField(max_length=8, required=False)

    def __init__(
        self,
        *args: Any,
        decisions: list[Decision],
        reasons: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d.name, d.label) for d in decisions]  # type: ignore[attr-defined]
        self.fields["reject_reason"].choices = [("", "Choose TikTok's reason"), *reasons]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = DECISIONS.get(data.get("decision") or "")
        if decision is not None and decision.needs_reason and not data.get("reject_reason"):
            self.add_error("reject_reason", "Choose one of TikTok's reasons.")
        needs_amount = decision is not None and decision.needs_amount
        if needs_amount and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount to offer.")
        return data


class BulkDecisionForm(forms.Form):
    """One decision (approve, or reject with one reason) for the selected requests."""

    ids = forms.CharField(max_length=20_000)
    decision = forms.ChoiceField(
        choices=[(d.name, d.label) for d in DECISIONS.values() if not d.needs_amount]
    )
    reject_reason = forms.CharField(max_length=255, required=False)
    comment = forms.CharField(max_length=COMMENT_MAX, required=False)

    def clean_ids(self) -> list[tuple[str, int]]:
        """`return:12,cancel:7` → [("return", 12), ("cancel", 7)]."""
        out = []
        for part in self.cleaned_data["ids"].split(","):
            family, _, pk = part.strip().partition(":")
            if family not in ("return", "cancel") or not pk.isascii() or not pk.isdigit():
                raise forms.ValidationError("The selection is not valid; select the rows again.")
            out.append((family, int(pk)))
        if len(out) > 200:
            raise forms.ValidationError("Select at most 200 requests at a time.")
        return out


class BulkReasonsForm(BulkDecisionForm):
    """The selection and decision whose shared reject reasons the bulk form offers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("reject_reason", "comment"):
            del self.fields[name]


class SellerCancelForm(forms.Form):
    """Cancel an order with one of TikTok's reasons; confirm after seeing the refund."""

    reason = forms.ChoiceField(choices=(), label="Reason")
    lines = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Lines to cancel (none ticked: the whole order)",
        error_messages={"invalid_choice": "A chosen line cannot be cancelled now."},
    )
    note = forms.CharField(max_length=500, required=False, label="Note for the activity log")
    confirm = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        reasons: tuple[str, ...],
        lines: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        words = [(r, r.replace("ecom_order_", "").replace("_", " ")) for r in reasons]
        self.fields["reason"].choices = [("", "Choose TikTok's reason"), *words]  # type: ignore[attr-defined]
        self.fields["lines"].choices = list(lines)  # type: ignore[attr-defined]


MODELS: dict[str, type[Return] | type[Cancellation]] = {"return": Return, "cancel": Cancellation}
