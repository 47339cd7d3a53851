from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The shared cache (worker heartbeat, login throttling) lives in the database; creating its
    # table here means `migrate` alone prepares any database.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("shops", "0002_connections")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
