"""Schedules declared in code (`<app>/schedules.py`, a SCHEDULES list) and upserted by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string, module_has_submodule
from django_q.models import Schedule


@dataclass(frozen=True)
class Every:
    """Run the job at `func` (with `args`) every `minutes` minutes under a unique `name`."""

    name: str
    func: str
    minutes: int
    args: tuple[Any, ...] = ()

    def fields(self) -> dict[str, Any]:
        return {
            "func": self.func,
            # django-q reads a schedule's args back with ast.literal_eval.
            "args": repr(self.args) if self.args else None,
            "schedule_type": Schedule.MINUTES,
            "minutes": self.minutes,
            "repeats": -1,
        }


def declared_schedules() -> list[Every]:
    """Every schedule the installed apps declare."""
    found: list[Every] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "schedules"):
            found.extend(import_string(f"{config.name}.schedules.SCHEDULES"))
    return found


def sync_schedules() -> tuple[int, int]:
    """Create or update each declared schedule by name; return (created, updated)."""
    created = updated = 0
    for schedule in declared_schedules():
        _, was_created = Schedule.objects.update_or_create(
            name=schedule.name, defaults=schedule.fields()
        )
        created += was_created
        updated += not was_created
    return created, updated


def sync_schedules_after_migrate(**kwargs: Any) -> None:
    """Keep the schedule table in step with the code on every migrate."""
    sync_schedules()
