"""Forms behind the shops pages' POSTs: members, the profile, and the actions on a command."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet

from shops import commands
from shops.models import Command, Shop
from shops.roles import ADMINS
from shops.zones import zone_choices


def member_candidates(shop: Shop) -> QuerySet:
    """Active people who may be added: not members yet, and not admins (they see every shop)."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(groups__name=ADMINS)
        .exclude(pk__in=shop.members.values("pk"))
        .order_by("username")
    )


class MemberForm(forms.Form):
    """Add a person to a shop, or remove a member from it."""

    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        error_messages={"invalid_choice": "Pick a person from the list."},
    )

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shop = shop
        action = self.data.get("action") if self.is_bound else "add"
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = shop.members.all() if action == "remove" else member_candidates(shop)


class ProfileForm(forms.Form):
    """The person's display zone."""

    time_zone = forms.ChoiceField(
        choices=[("", "The site's zone")],
        required=False,
        label="Time zone",
        help_text="Every time is shown in this zone and date filters are read in it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "The site's zone"), *zone_choices()]


class CommandActionForm(forms.Form):
    """Retry a failed command or cancel a queued one (admins and the command's author)."""

    ACTIONS = {"retry": "Retry", "cancel": "Cancel"}

    def __init__(self, data: Any, *, command: Command, user: User, action: str) -> None:
        super().__init__(data)
        self.command = command
        self.user = user
        self.action = action

    def clean(self) -> dict[str, Any]:
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
        return super().clean() or {}

    def save(self) -> Command:
        act = commands.command_retry if self.action == "retry" else commands.command_cancel
        try:
            return act(command=self.command, actor=self.user)
        except commands.CommandActionError as error:
            self.add_error(None, str(error))
            raise
