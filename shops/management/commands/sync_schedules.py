from django.core.management.base import BaseCommand

from shops.scheduling import sync_schedules


class Command(BaseCommand):
    help = "Create or update the background schedules declared in code, by name."

    def handle(self, *args, **options) -> None:
        created, updated = sync_schedules()
        self.stdout.write(f"schedules: {created} created, {updated} updated")
