"""The six duties (六项职责) and the starting request categories with their time limits."""

from django.db import migrations

DUTIES = ["policy", "mediation", "safety", "customs", "sanitation", "opinion"]

# code, Chinese name, English name, days to accept, days to reply
CATEGORIES = [
    ("hazard", "安全隐患", "Safety hazard", 1, 3),
    ("dispute", "矛盾纠纷", "Dispute", 2, 7),
    ("infrastructure", "道路水电", "Roads, water and power", 3, 10),
    ("livelihood", "生活困难", "Hardship and assistance", 2, 7),
    ("policy", "政策咨询", "Policy question", 2, 5),
    ("sanitation", "环境卫生", "Sanitation", 3, 7),
    ("agriculture", "农业生产", "Farming", 3, 10),
    ("suggestion", "意见建议", "Suggestion", 3, 15),
    ("other", "其他", "Other", 3, 10),
]


def seed(apps, schema_editor):
    Duty = apps.get_model("casebook", "Duty")
    RequestCategory = apps.get_model("casebook", "RequestCategory")
    for sort, code in enumerate(DUTIES):
        Duty.objects.update_or_create(code=code, defaults={"sort": sort})
    for sort, (code, name, name_en, accept, reply) in enumerate(CATEGORIES):
        RequestCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "accept_days": accept,
                "reply_days": reply,
                "sort": sort,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("casebook", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
