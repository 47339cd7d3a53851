"""Model fields the mirror apps share."""

from __future__ import annotations

from typing import Any

from django.db import models


class RawJSONField(models.JSONField):
    """TikTok's JSON as received, kept for support.

    Having a `get_placeholder` keeps PostgreSQL bulk inserts on plain VALUES rows: Django's
    UNNEST strategy would send each column as one array literal, and escaping large JSON
    documents into array text costs far more than the insert itself.
    """

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"
