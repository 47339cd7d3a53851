"""The forms behind the ship-batch pages: choose packages, then confirm and hand over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from fulfillment.models import DOCUMENT_SIZES, PrintJob, ShipBatch


class ChooseForm(forms.Form):
    """The checked packages, or every package matching the filter ("all N matching")."""

    package: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "A chosen package is no longer available to ship."},
    )
    all_matching = forms.BooleanField(required=False)

    def __init__(self, *args: Any, packages: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["package"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = packages

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("all_matching") and not data.get("package"):
            raise forms.ValidationError("Check at least one package, or choose all matching.")
        return data


def slot_value(start: int, end: int) -> str:
    return f"{start}-{end}"


class SendForm(forms.Form):
    """How the batch is handed to the carrier, and the count the operator confirms."""

    handover_method = forms.ChoiceField(
        choices=ShipBatch.Handover.choices, widget=forms.RadioSelect, initial="PICKUP"
    )
    pickup_slot = forms.ChoiceField(choices=(), required=False, label="Pickup slot")
    confirm_count = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        label="Packages to ship",
        help_text="Type the number of packages to ship to confirm.",
    )

    def __init__(self, *args: Any, slots: list[tuple[int, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pickup_slot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Choose a slot"),
            *[
                (
                    slot_value(s, e),
                    f"{datetime.fromtimestamp(s, tz=UTC):%a %d %b %H:%M}–"
                    f"{datetime.fromtimestamp(e, tz=UTC):%H:%M} UTC",
                )
                for s, e in slots
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("handover_method") == "PICKUP" and not data.get("pickup_slot"):
            self.add_error(
                "pickup_slot", "Choose a pickup slot, or hand the parcels over at a drop-off point."
            )
        return data

    @property
    def slot(self) -> tuple[datetime, datetime] | tuple[None, None]:
        value = self.cleaned_data.get("pickup_slot") or ""
        if self.cleaned_data.get("handover_method") != "PICKUP" or not value:
            return None, None
        start, end = (int(v) for v in value.split("-"))
        return datetime.fromtimestamp(start, tz=UTC), datetime.fromtimestamp(end, tz=UTC)


class DocumentForm(forms.Form):
    """Which documents, in what size and order."""

    kind = forms.ChoiceField(choices=PrintJob.Kind.choices, label="Documents")
    size = forms.ChoiceField(choices=DOCUMENT_SIZES, initial="A6", label="Size")
    order_by = forms.ChoiceField(choices=PrintJob.Sort.choices, label="Order")
    reverse = forms.BooleanField(required=False, label="Reverse")


class LocalPathField(forms.Field):
    """A page of this site to go back to; anything else (another host, a NUL, 5,000 characters)
    reads as "" so the view uses its default, and never makes the form invalid."""

    def to_python(self, value: Any) -> str:
        text = value if isinstance(value, str) else ""
        local = (
            text.startswith("/")
            and len(text) <= 500
            and "\x00" not in text
            and url_has_allowed_host_and_scheme(text, allowed_hosts=None)
        )
        return text if local else ""


class PackageDocumentsForm(DocumentForm):
    """Documents for any chosen packages (the order page, the packages list)."""

    package: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={
            "required": "Check at least one shipped package.",
            "invalid_choice": "A chosen package is not one you may print.",
            "invalid_pk_value": "A chosen package is not one you may print.",
        },
    )

    next = LocalPathField(required=False)

    def __init__(self, *args: Any, packages: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["package"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = packages

    def clean_package(self) -> QuerySet:
        chosen = self.cleaned_data["package"]
        if len(chosen) > 1000:
            raise forms.ValidationError("Print at most 1,000 packages at once.")
        return chosen


class TrackingRowForm(forms.Form):
    """One package's row of the tracking grid."""

    tracking_number = forms.CharField(max_length=200, required=False, strip=False)
    provider = forms.ChoiceField(choices=(), required=False)

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Provider"), *providers]
        field.error_messages["invalid_choice"] = "Choose one of TikTok's providers."


class OnePackageForm(forms.Form):
    """`?package=<TikTok package id>`: the tracking grid for one package (from the order page)."""

    package = forms.RegexField(
        regex=r"^\d{1,30}$",
        required=False,
        error_messages={"invalid": "A package id is digits only."},
    )


class CsvImportForm(forms.Form):
    """A CSV of package_id (or order_id), tracking_number, provider (name or id)."""

    file = forms.FileField(label="CSV file")
