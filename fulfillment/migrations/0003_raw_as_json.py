from django.db import migrations

from shops.fields import raw_json_columns


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0002_initial")]
    operations = [
        raw_json_columns("fulfillment_package", "fulfillment_return", "fulfillment_cancellation")
    ]
