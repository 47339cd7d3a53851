"""The one way to queue a background job: by dotted path, and only once the transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_q.tasks import async_task


def enqueue_after_commit(func: str, *args: Any, group: str | None = None, **kwargs: Any) -> None:
    """Queue `func(*args, **kwargs)` after the current transaction commits (at once outside one).

    Jobs take ids, never model instances, so a worker reads the committed rows; a rolled-back
    transaction queues nothing.
    """
    options = {"group": group} if group else {}
    transaction.on_commit(lambda: async_task(func, *args, **kwargs, **options))
