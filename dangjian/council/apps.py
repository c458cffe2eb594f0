from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "dangjian.council"
    label = "council"
    verbose_name = _("Deliberation council")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from .models import Topic

        scope.register_scoped_model(Topic, "org__path")
        scope.register_action(
            "council.view", T.SERVICES_READ, _("View council topics"), [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER]
        )
        scope.register_action(
            "council.manage", T.SERVICES_WRITE, _("Schedule and decide council topics"), [R.ORG_ADMIN, R.SECRETARY]
        )
        policy.register(
            "points.topic_decided", 5, _("Points for a council topic that was decided"), minimum=0, maximum=100
        )
        navigation.register(_("Council"), "council:manage", "people", "council.view", order=37)
