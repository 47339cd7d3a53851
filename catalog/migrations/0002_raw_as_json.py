from django.db import migrations

from shops.fields import raw_json_columns


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [raw_json_columns("catalog_warehouse", "catalog_product", "catalog_sku")]
