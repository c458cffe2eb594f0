from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "dangjian.compliance"
    label = "compliance"
    verbose_name = _("Organisational life compliance")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from . import rules

        scope.register_action(
            "compliance.view",
            T.MEETINGS_READ,
            _("See the compliance of organisational life"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        labels = {
            "branch_general": _("Branch general meeting: at least one every N months (0 = not required)"),
            "committee": _("Branch committee meeting: at least one every N months (0 = not required)"),
            "group": _("Party group meeting: at least one every N months (0 = not required)"),
            "lecture": _("Party lecture: at least one every N months (0 = not required)"),
            "themed_day": _("Themed party day: at least one every N months (0 = not required)"),
            "org_life": _("Organisational life meeting: at least one every N months (0 = not required)"),
            "heart_talk": _("Heart-to-heart talk: at least one every N months (0 = not required)"),
        }
        for kind, months in rules.DEFAULT_MONTHS.items():
            policy.register(f"compliance.months.{kind}", months, labels[kind], minimum=0, maximum=12)
        policy.register(
            "compliance.themed_day_target",
            rules.DEFAULT_THEMED_DAY_TARGET,
            _("Target participation in themed party days (percent)"),
            minimum=1,
            maximum=100,
        )
        policy.register(
            "compliance.minutes_due_days",
            rules.DEFAULT_MINUTES_DUE_DAYS,
            _("Days after a meeting by which its minutes must be signed"),
            minimum=1,
            maximum=60,
        )
        navigation.register(_("Compliance"), "compliance:table", "clipboard2-check", "compliance.view", order=45)
