"""Forms of the shops app: the activity filter and the actions on a command."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet

from shops import commands
from shops.access import for_visible_shops, visible_shops
from shops.models import Command

PAGE_SIZE = 50


def kind_choices() -> list[tuple[str, str]]:
    return [(name, commands.kind_for(name).label) for name in commands.kind_names()]


class ActivityFilterForm(forms.Form):
    """Which commands to list; every value is checked against what this person may see."""

    shop = forms.ModelChoiceField(queryset=None, required=False, empty_label="All shops")
    kind = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Command.Status.choices]
    )
    person = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def __init__(self, data, *, user: AbstractBaseUser) -> None:
        super().__init__(data)
        self.user = user
        self.fields["shop"].queryset = visible_shops(user)
        self.fields["kind"].choices = [("", "Any change"), *kind_choices()]
        actors = for_visible_shops(Command.objects.all(), user).values("actor")
        self.fields["person"].queryset = (
            get_user_model().objects.filter(pk__in=actors).order_by("username")
        )
        for field in self.fields.values():
            field.validators.append(ProhibitNullCharactersValidator())

    def commands(self) -> QuerySet[Command]:
        """The visible commands matching the valid filters, newest first."""
        queryset = for_visible_shops(Command.objects.all(), self.user)
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("shop"):
            queryset = queryset.filter(shop=data["shop"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("person"):
            queryset = queryset.filter(actor=data["person"])
        return (
            queryset.select_related("shop", "actor")
            .prefetch_related("items")
            .order_by("-created_at", "-id")
        )

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_valid() else None) or 1


class CommandActionForm(forms.Form):
    """Retry a failed command or cancel a queued one (admins and the command's author)."""

    ACTIONS = {"retry": "Retry", "cancel": "Cancel"}

    def __init__(self, data, *, command: Command, user: AbstractBaseUser, action: str) -> None:
        super().__init__(data)
        self.command = command
        self.user = user
        self.action = action

    def clean(self):
        if self.action not in self.ACTIONS:
            raise forms.ValidationError("Unknown action.")
        if not commands.can_act_on(self.user, self.command):
            raise forms.ValidationError(
                "Only admins and the person who asked for this change can retry or cancel it."
            )
        allowed = self.command.can_retry if self.action == "retry" else self.command.can_cancel
        if not allowed:
            raise forms.ValidationError(
                f"This change is {self.command.get_status_display().lower()}: "
                f"it cannot be {'retried' if self.action == 'retry' else 'cancelled'} now."
            )
        return super().clean()

    def save(self) -> Command:
        act = commands.command_retry if self.action == "retry" else commands.command_cancel
        try:
            return act(command=self.command, actor=self.user)
        except commands.CommandActionError as error:
            self.add_error(None, str(error))
            raise
