"""Who may see which shop: the one place every view asks."""

from __future__ import annotations

from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from shops.models import Shop
from shops.roles import is_admin

M = TypeVar("M", bound=Model)


class AuthenticatedHttpRequest(HttpRequest):
    """A request past the login middleware (every view but login, healthz and webhooks)."""

    user: User


def visible_shops(user: Any) -> QuerySet[Shop]:
    """Shops the user may see (admins: all; operators: their memberships)."""
    return Shop.objects.visible_to(user)


def get_shop_or_404(user: Any, **lookup: Any) -> Shop:
    """A shop the user may see; any other shop is a 404, never a 403 that confirms it exists."""
    return get_object_or_404(visible_shops(user), **lookup)


def for_visible_shops(queryset: QuerySet[M], user: Any, shop_field: str = "shop") -> QuerySet[M]:
    """Limit any shop-owned rows to the shops the user may see."""
    if is_admin(user):
        return queryset
    return queryset.filter(**{f"{shop_field}__members": user})


def get_owned_or_404(
    queryset: QuerySet[M], user: Any, shop_field: str = "shop", **lookup: Any
) -> M:
    """One shop-owned row, or a 404 if it belongs to a shop the user may not see."""
    try:
        return for_visible_shops(queryset, user, shop_field).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def admin_required(view):
    """Only admins (connect, disconnect, members); others get a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_admin(request.user):
            raise PermissionDenied("Only admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
