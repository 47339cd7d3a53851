from django.db import migrations

from shops.fields import raw_json_columns


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [raw_json_columns("orders_order")]
