"""The token page's form."""

from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What uses it, e.g. “Sales spreadsheet” or “Claude on my laptop”.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError("Use letters, digits, spaces and punctuation only.")
        return name
