from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shops.accounts import user_create
from shops.roles import ADMINS


class Command(BaseCommand):
    help = "Create a demo admin when nobody can administer the back office yet; print its login."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if (
            User.objects.filter(is_superuser=True).exists()
            or User.objects.filter(groups__name=ADMINS).exists()
        ):
            return
        user, password = user_create(username="admin", admin=True)
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Demo admin created. Log in as  admin / {password}\n"
                "  (shown once; change it, or create another with manage.py create_operator)\n"
            )
        )
