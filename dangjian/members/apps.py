from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import crypto, navigation, policy, scope
        from dangjian.core.validators import normalise_id_number, normalise_mobile

        from .finding import LEAD_ID_CONTEXT, LEAD_MOBILE_CONTEXT
        from .models import ID_CONTEXT, MOBILE_CONTEXT, ImportJob, Member, RegistrationLead

        scope.register_scoped_model(Member, "org__path")
        scope.register_scoped_model(ImportJob, "org__path")
        scope.register_scoped_model(RegistrationLead, "org__path")
        managers = [R.ORG_ADMIN, R.SECRETARY]
        scope.register_action(
            "member.view", T.MEMBERS_READ, _("View party members"), [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER]
        )
        scope.register_action("member.create", T.MEMBERS_WRITE, _("Register party members"), managers)
        scope.register_action("member.change", T.MEMBERS_WRITE, _("Edit party members"), managers)
        scope.register_action("member.status", T.MEMBERS_WRITE, _("Record membership status changes"), managers)
        scope.register_action("member.reveal", T.MEMBERS_REVEAL, _("See full ID card and mobile numbers"), managers)
        scope.register_action("member.import", T.MEMBERS_WRITE, _("Import party members from Excel"), managers)
        scope.register_action("member.export", T.MEMBERS_READ, _("Export party members to Excel"), managers)
        scope.register_action(
            "member.code_scan",
            T.MEMBERS_READ,
            _("Scan members' personal codes"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER, R.STATION_MANAGER],
        )
        crypto.register_encrypted_column(Member, "id_number_enc", ID_CONTEXT, "id_number_bidx", normalise_id_number)
        crypto.register_encrypted_column(Member, "mobile_enc", MOBILE_CONTEXT, "mobile_bidx", normalise_mobile)
        crypto.register_encrypted_column(
            RegistrationLead, "id_number_enc", LEAD_ID_CONTEXT, "id_number_bidx", normalise_id_number
        )
        crypto.register_encrypted_column(
            RegistrationLead, "mobile_enc", LEAD_MOBILE_CONTEXT, "mobile_bidx", normalise_mobile
        )
        policy.register("members.min_age", 18, _("Minimum age when joining the Party"), minimum=18, maximum=30)
        policy.register(
            "members.retention_years",
            5,
            _("Years after removal or resignation before personal data is destroyed"),
            minimum=1,
            maximum=30,
        )
        policy.register(
            "members.import_max_rows", 100_000, _("Most rows in one member import file"), minimum=1, maximum=500_000
        )
        policy.register(
            "members.lost_contact_months",
            6,
            _("Months without any contact before a member is flagged as lost contact"),
            minimum=1,
            maximum=24,
        )
        policy.register(
            "members.lost_contact_restore_years",
            2,
            _("Years after stopped membership within which a member who reappears may be restored"),
            minimum=1,
            maximum=5,
        )
        policy.register(
            "members.flow_report_months",
            12,
            _("Months within which a flowing member must report home"),
            minimum=1,
            maximum=24,
        )
        policy.register(
            "members.temp_branch_min",
            3,
            _("Flowing members in one place from whom a temporary branch is suggested"),
            minimum=3,
            maximum=50,
        )
        policy.register(
            "members.code_valid_days", 365, _("Days a member's personal code stays valid"), minimum=1, maximum=1830
        )
        from django.urls import reverse

        from dangjian.core import jobs

        from . import codes, imports

        jobs.register_recovery("member imports", imports.import_recover)

        codes.register_scan_action(
            _("Open the member's record"),
            lambda m: reverse("members:detail", args=[m.pk]),
            lambda user, m: scope.can(user, "member.view", m),
            order=10,
        )
        navigation.register(_("Party members"), "members:list", "person-vcard", "member.view", order=15)
        navigation.register(_("Scan a code"), "members:scan", "qr-code-scan", "member.code_scan", order=16)
