"""Starting reply templates; staff edit them in admin."""

from django.db import migrations

TEMPLATES = [
    (None, "已办结", "您反映的问题已经处理完毕。如仍有问题，请随时联系您的联户党员。"),
    (None, "已转交", "您反映的问题已转交相关部门办理，我们会跟踪进展并及时告知您。"),
    ("policy", "政策解答", "关于您咨询的政策：（请填写政策要点）。如需办理，请携带身份证到村委会。"),
    ("hazard", "隐患已排除", "经现场查看，安全隐患已排除。请注意日常用火用电安全。"),
    ("dispute", "调解达成一致", "经四邻议事亭调解，双方已达成一致意见，联户党员将跟踪回访。"),
    ("infrastructure", "已安排维修", "已安排人员维修，预计（日期）前完成。"),
]


def seed(apps, schema_editor):
    RequestCategory = apps.get_model("casebook", "RequestCategory")
    ReplyTemplate = apps.get_model("casebook", "ReplyTemplate")
    for code, title, text in TEMPLATES:
        category = RequestCategory.objects.filter(code=code).first() if code else None
        ReplyTemplate.objects.get_or_create(title=title, category=category, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("casebook", "0003_visit_revisions_and_reply_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
