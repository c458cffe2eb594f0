from django.apps import AppConfig
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "dangjian.demands"
    label = "demands"
    verbose_name = _("Demands and resources")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import crypto, navigation, policy, scope
        from dangjian.core.validators import normalise_mobile

        from .choices import Category
        from .models import MOBILE_CONTEXT, AssistSession, Demand, Resource, TriageRule
        from .services import sla_keys

        scope.register_scoped_model(Demand, "org__path")
        scope.register_scoped_model(TriageRule, "org__path")
        scope.register_scoped_model(Resource, "org__path")
        scope.register_action(
            "demand.view",
            T.SERVICES_READ,
            _("View workers' demands"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER, R.STATION_MANAGER],
        )
        scope.register_action(
            "demand.handle",
            T.SERVICES_WRITE,
            _("Answer workers' demands"),
            [R.ORG_ADMIN, R.SECRETARY, R.STATION_MANAGER],
        )
        scope.register_action(
            "demand.triage", T.SERVICES_WRITE, _("Assign workers' demands"), [R.ORG_ADMIN, R.SECRETARY]
        )
        scope.register_action("demand.rules", T.SERVICES_WRITE, _("Set triage rules for demands"), [R.ORG_ADMIN])
        scope.register_action(
            "resource.manage", T.SERVICES_WRITE, _("Publish resources and projects"), [R.ORG_ADMIN, R.SECRETARY]
        )
        scope.register_action(
            "assist.act",
            T.SERVICES_WRITE,
            _("Act for a worker at a station (assisted use)"),
            [R.SECRETARY, R.STATION_MANAGER],
        )
        scope.register_scoped_model(AssistSession, "station__org__path")
        crypto.register_encrypted_column(Demand, "mobile_enc", MOBILE_CONTEXT, "mobile_bidx", normalise_mobile)
        crypto.register_encrypted_column(AssistSession, "mobile_enc", MOBILE_CONTEXT, "mobile_bidx", normalise_mobile)
        policy.register("demands.assist_minutes", 30, _("Minutes an assisted session lasts"), minimum=5, maximum=240)
        for category in Category:
            response_key, resolution_key = sla_keys(category.value)
            policy.register(
                response_key,
                2,
                format_lazy(_("Demands ({category}): working days to the first response"), category=category.label),
                minimum=1,
                maximum=30,
            )
            policy.register(
                resolution_key,
                10,
                format_lazy(_("Demands ({category}): working days to the answer"), category=category.label),
                minimum=1,
                maximum=90,
            )
        policy.register("demands.max_reopens", 2, _("Times a worker may reopen a demand"), minimum=0, maximum=10)
        policy.register(
            "demands.reopen_days",
            30,
            _("Days after the answer during which a demand can be reopened"),
            minimum=1,
            maximum=365,
        )
        navigation.register(_("Demands"), "demands:list", "inbox", "demand.view", order=30)
