"""The platform's default pipeline (DOMAIN §3.1), as data. Regions copy and change it."""

from django.db import migrations

# code, name, stage, depends on, anchor, rules
STEPS = [
    ("application", "递交入党申请书", "applicant", [], None, {"min_age": 18}),
    ("talk", "党组织派人谈话", "applicant", ["application"], None, {"due_months": 1}),
    ("activist", "确定入党积极分子", "activist", ["talk"], None, {}),
    ("mentors", "指定培养联系人", "activist", ["activist"], None, {"people_min": 1, "people_max": 2, "people_label": "培养联系人"}),
    ("assessment", "培养教育考察（每半年一次）", "activist", ["mentors"], "activist", {"repeat_months": 6}),
    ("candidate", "确定发展对象", "candidate", ["activist", "assessment"], "activist", {"earliest_months": 12}),
    ("sponsors", "确定入党介绍人", "candidate", ["candidate"], None, {"people_min": 2, "people_max": 2, "people_label": "入党介绍人"}),
    ("review", "政治审查", "candidate", ["candidate"], None, {"valid_months": 12}),
    ("training", "短期集中培训", "candidate", ["candidate"], None, {"min_days": 3, "min_hours": 24}),
    ("branch_review", "支部委员会审查", "candidate", ["sponsors", "review", "training"], None, {}),
    ("pre_review", "上级党委预审", "candidate", ["branch_review"], None, {}),
    ("notice", "公示", "candidate", ["pre_review"], None, {"min_working_days": 5}),
    ("volunteer_form", "填写入党志愿书", "candidate", ["notice"], None, {}),
    ("admission_meeting", "支部党员大会讨论接收预备党员", "candidate", ["volunteer_form", "review"], None, {}),
    ("approval_talk", "上级党委派人谈话", "candidate", ["admission_meeting"], None, {}),
    (
        "admission_approval",
        "上级党委审批",
        "probationary",
        ["approval_talk"],
        "admission_meeting",
        {"due_months": 3, "latest_months": 6, "effect": "admit"},
    ),
    ("oath", "入党宣誓", "probationary", ["admission_approval"], None, {}),
    ("probation_education", "预备期教育考察（每半年一次）", "probationary", ["oath"], "admission_approval", {"repeat_months": 6}),
    ("full_application", "提出转正申请", "probationary", ["oath"], "admission_meeting", {"earliest_months": 12, "due_months": 12}),
    ("full_meeting", "支部党员大会讨论转正", "probationary", ["full_application"], "admission_meeting", {"earliest_months": 12}),
    ("full_approval", "上级党委审批转正", "full", ["full_meeting"], "full_meeting", {"due_months": 3, "effect": "full"}),
]


def seed(apps, schema_editor):
    Template = apps.get_model("development", "PipelineTemplate")
    Step = apps.get_model("development", "StepDefinition")
    template = Template.objects.create(name="发展党员工作流程（默认）", org=None)
    made = {}
    for order, (code, name, stage, deps, anchor, rules) in enumerate(STEPS, start=1):
        step = Step.objects.create(
            template=template, code=code, name=name, stage=stage, order=order, anchor=made.get(anchor), **rules
        )
        step.depends_on.set([made[d] for d in deps])
        made[code] = step


def unseed(apps, schema_editor):
    Template = apps.get_model("development", "PipelineTemplate")
    Template.objects.filter(org__isnull=True, name="发展党员工作流程（默认）").delete()


class Migration(migrations.Migration):
    dependencies = [("development", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
