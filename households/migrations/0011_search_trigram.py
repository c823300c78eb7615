from django.db import migrations

from base.trigram import trigram_indexes

forward, backward = trigram_indexes(
    "households_household", ["head_name", "number", "phone", "search_key"]
)


class Migration(migrations.Migration):
    dependencies = [("households", "0010_county")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
