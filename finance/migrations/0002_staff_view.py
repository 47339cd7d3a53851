"""Staff look at the finance mirror in the Django admin (view only: it is TikTok's record)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = (
    "payment",
    "withdrawal",
    "statement",
    "statementtransaction",
    "skutransaction",
    "unsettledorder",
)


def grant(apps, schema_editor):
    # Permissions are normally made after the last migration; the group needs them now.
    create_permissions(global_apps.get_app_config("finance"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name="Staff")
    staff.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="finance", codename__in=[f"view_{m}" for m in MODELS]
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Staff"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="finance", codename__startswith="view_"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_mirror"),
        ("shops", "0006_rejected_webhooks_and_staff"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
