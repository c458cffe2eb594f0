from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = _("Party dues")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import crypto, navigation, policy, scope

        from .models import (
            BASE_CONTEXT,
            DuesAssessment,
            DuesDeclaration,
            DuesHandover,
            DuesLedger,
            DuesPayment,
            DuesRelief,
            RateSchedule,
        )

        scope.register_scoped_model(RateSchedule, "scope_path")
        scope.register_scoped_model(DuesDeclaration, "member__org__path")
        scope.register_scoped_model(DuesRelief, "member__org__path")
        scope.register_scoped_model(DuesAssessment, "org__path")
        scope.register_scoped_model(DuesPayment, "org__path")
        scope.register_scoped_model(DuesHandover, "org__path")
        scope.register_scoped_model(DuesLedger, "org_path")
        scope.register_path_copy(DuesLedger, "org_path")
        scope.register_path_copy(RateSchedule, "scope_path")
        managers = [R.ORG_ADMIN, R.SECRETARY]
        scope.register_action(
            "dues.view", T.DUES_READ, _("View party dues and ledgers"), [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER]
        )
        scope.register_action("dues.manage", T.DUES_WRITE, _("Record dues, payments and declarations"), managers)
        scope.register_action("dues.reveal", T.DUES_WRITE, _("See declared incomes in full"), managers)
        scope.register_action("dues.approve", T.DUES_WRITE, _("Approve dues reductions and waivers"), [R.ORG_ADMIN])
        scope.register_action("dues.configure", T.DUES_WRITE, _("Set the dues rates of a region"), [R.ORG_ADMIN])
        crypto.register_encrypted_column(DuesDeclaration, "base_enc", BASE_CONTEXT)
        policy.register(
            "dues.back_pay_months", 6, _("Months of dues that may normally be paid back"), minimum=1, maximum=24
        )
        policy.register(
            "dues.advance_months", 12, _("Months of dues that may be paid in advance"), minimum=0, maximum=24
        )
        policy.register(
            "dues.arrears_alert_months",
            6,
            _("Consecutive unpaid months that raise an alert"),
            minimum=2,
            maximum=24,
        )
        policy.register(
            "dues.reminder_months",
            1,
            _("Unpaid months after which a member is reminded each month"),
            minimum=1,
            maximum=24,
        )
        scope.register_action(
            "dues.back_pay_exception",
            T.DUES_WRITE,
            _("Accept back payments older than the normal window, with a reason"),
            [R.ORG_ADMIN],
        )
        navigation.register(_("Party dues"), "dues:ledger", "cash-coin", "dues.view", order=20)
