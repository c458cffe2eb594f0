from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from .models import HostEntity, InstructorAssignment, OrgEntityLink, PartyOrganisation

        scope.register_scoped_model(PartyOrganisation, "path")
        scope.register_scoped_model(HostEntity, "owner_org__path")
        scope.register_scoped_model(OrgEntityLink, "org__path")
        scope.register_scoped_model(InstructorAssignment, "entity__owner_org__path")

        readers = [
            R.ORG_ADMIN,
            R.SECRETARY,
            R.COMMITTEE_MEMBER,
            R.MEMBER,
            R.STATION_MANAGER,
            R.SYSTEM_ADMIN,
            R.SECURITY_ADMIN,
        ]
        scope.register_action("org.view", T.ORGS_READ, _("View party organisations"), readers)
        scope.register_action("org.create", T.ORGS_WRITE, _("Create party organisations"), [R.ORG_ADMIN])
        scope.register_action("org.change", T.ORGS_WRITE, _("Edit party organisations"), [R.ORG_ADMIN, R.SECRETARY])
        scope.register_action("org.move", T.ORGS_WRITE, _("Move party organisations"), [R.ORG_ADMIN])
        entity_readers = [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER, R.STATION_MANAGER]
        scope.register_action("entity.view", T.ORGS_READ, _("View host entities"), entity_readers)
        scope.register_action("entity.create", T.ORGS_WRITE, _("Register host entities"), [R.ORG_ADMIN, R.SECRETARY])
        scope.register_action("entity.change", T.ORGS_WRITE, _("Edit host entities"), [R.ORG_ADMIN, R.SECRETARY])
        scope.register_action(
            "coverage.view", T.ORGS_READ, _("View coverage"), [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER]
        )
        scope.register_action(
            "coverage.change", T.ORGS_WRITE, _("Change coverage links and instructors"), [R.ORG_ADMIN]
        )

        navigation.register(_("Organisations"), "orgs:tree", "diagram-3", "org.view", order=10)
        navigation.register(_("Host entities"), "orgs:entities", "buildings", "entity.view", order=20)
        navigation.register(_("Coverage"), "orgs:coverage", "pie-chart", "coverage.view", order=30)

        policy.register(
            "orgs.min_full_members_own_branch",
            3,
            _("Full members needed for an organisation's own branch"),
            minimum=1,
            maximum=50,
        )
        policy.register("orgs.branch_max_members", 50, _("Most members in one branch"), minimum=3, maximum=500)
        policy.register(
            "orgs.committee_min_members",
            100,
            _("Members from which a party committee is set up"),
            minimum=10,
            maximum=10000,
        )
        policy.register(
            "orgs.branch_committee_full_members",
            7,
            _("Full members from which a branch elects a committee"),
            minimum=3,
            maximum=100,
        )
        policy.register(
            "orgs.joint_branch_max_entities",
            5,
            _("Most host entities served by one joint branch"),
            minimum=2,
            maximum=100,
        )
        policy.register("orgs.term_warning_months", 6, _("Months before a term ends to warn"), minimum=1, maximum=24)
        policy.register(
            "orgs.term_years_committee", 5, _("Term length of a party committee (years)"), minimum=3, maximum=5
        )
        policy.register(
            "orgs.term_years_branch", 3, _("Term length of a general branch or branch (years)"), minimum=3, maximum=5
        )
