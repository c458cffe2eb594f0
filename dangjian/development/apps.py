from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "dangjian.development"
    label = "development"
    verbose_name = _("Member development")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import crypto, navigation, policy, scope
        from dangjian.core.validators import normalise_id_number

        from .models import ID_CONTEXT, Applicant

        scope.register_scoped_model(Applicant, "org__path")
        # People in the pipeline are future member records: they share the members token scopes.
        scope.register_action(
            "development.view",
            T.MEMBERS_READ,
            _("View the member development pipeline"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        scope.register_action(
            "development.manage", T.MEMBERS_WRITE, _("Record development steps"), [R.ORG_ADMIN, R.SECRETARY]
        )
        crypto.register_encrypted_column(Applicant, "id_number_enc", ID_CONTEXT, "id_number_bidx", normalise_id_number)
        policy.register(
            "development.due_soon_days", 14, _("Days ahead a development step shows as due soon"), minimum=1, maximum=90
        )
        policy.register(
            "development.document_max_mb", 10, _("Largest development document (MB)"), minimum=1, maximum=50
        )
        navigation.register(_("Development"), "development:list", "person-up", "development.view", order=17)
