"""Rejected webhooks are kept, sync runs show when they last moved, and a Staff group lets
non-superuser staff work in the Django admin."""

import django.utils.timezone
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

STAFF = "Staff"
# What staff look at (view) and fix (change) in the Django admin; never add or delete, and
# tokens, the audit trail and sync cursors stay read-only.
STAFF_PERMISSIONS = {
    "shops": {
        "shop": ("view", "change"),
        "authorization": ("view",),
        "webhookevent": ("view", "change"),
        "auditentry": ("view",),
        "syncrun": ("view",),
        "syncstate": ("view",),
        "command": ("view",),
        "commanditem": ("view",),
    },
    "catalog": {
        "warehouse": ("view",),
        "product": ("view", "change"),
        "sku": ("view", "change"),
        "inventory": ("view", "change"),
    },
    "orders": {"order": ("view", "change"), "orderline": ("view",)},
    "fulfillment": {
        "package": ("view", "change"),
        "return": ("view", "change"),
        "cancellation": ("view", "change"),
    },
}


def create_staff(apps, schema_editor):
    # Permissions are normally made after the last migration; the group needs them now.
    for config in global_apps.get_app_configs():
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name=STAFF)
    codenames = [
        (app, f"{action}_{model}")
        for app, models_ in STAFF_PERMISSIONS.items()
        for model, actions in models_.items()
        for action in actions
    ]
    for app, codename in codenames:
        staff.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )


def remove_staff(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=STAFF).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0005_commands"),
        ("catalog", "0002_raw_as_json"),
        ("orders", "0002_raw_as_json"),
        ("fulfillment", "0003_raw_as_json"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="raw_body",
            field=models.TextField(
                blank=True, help_text="The body of a rejected event as received (shortened)."
            ),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "Received"),
                    ("processed", "Processed"),
                    ("ignored", "Ignored"),
                    ("failed", "Failed"),
                    ("rejected", "Rejected"),
                ],
                default="received",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(create_staff, remove_staff),
    ]
