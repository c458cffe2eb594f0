"""The JSON API at /api/v1/: assembles each app's router under its tag."""

from ninja import NinjaAPI

from dangjian.accounts.api import router as accounts_router
from dangjian.accounts.api_auth import SessionAuthCSRF, TokenAuth
from dangjian.audit.api import router as audit_router
from dangjian.compliance.api import router as compliance_router
from dangjian.core.api import install_error_handlers
from dangjian.council.api import router as council_router
from dangjian.demands.api import router as demands_router
from dangjian.development.api import router as development_router
from dangjian.dues.api import router as dues_router
from dangjian.meetings.api import router as meetings_router
from dangjian.members.api import router as members_router
from dangjian.minutes.api import router as minutes_router
from dangjian.notifications.api import router as notifications_router
from dangjian.orgs.api import router as orgs_router
from dangjian.points.api import router as points_router
from dangjian.portal.api import router as settings_router
from dangjian.reports.api import router as reports_router
from dangjian.stations.api import router as stations_router
from dangjian.transfers.api import router as transfers_router
from dangjian.volunteering.api import router as volunteering_router

api = NinjaAPI(
    title="dangjian API",
    version="1",
    description=(
        "Smart Party-building platform API. Authenticate with a personal API token "
        "(Authorization: Bearer dj_...) or the browser session (with the CSRF token for writes). "
        "Every list is limited to the organisations your roles cover. Errors share one shape: "
        '{"error": {"code", "message", "fields"}}.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuthCSRF()],
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/orgs", orgs_router, tags=["orgs"])
api.add_router("/members", members_router, tags=["members"])
api.add_router("/dues", dues_router, tags=["dues"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/settings", settings_router, tags=["settings"])
api.add_router("/audit", audit_router, tags=["audit"])
api.add_router("/transfers", transfers_router, tags=["transfers"])
api.add_router("/development", development_router, tags=["development"])
api.add_router("/demands", demands_router, tags=["demands"])
api.add_router("/stations", stations_router, tags=["stations"])
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/points", points_router, tags=["points"])
api.add_router("/council", council_router, tags=["council"])
api.add_router("/volunteering", volunteering_router, tags=["volunteering"])
api.add_router("/minutes", minutes_router, tags=["minutes"])
api.add_router("/compliance", compliance_router, tags=["compliance"])
api.add_router("/notifications", notifications_router, tags=["notifications"])
api.add_router("/meetings", meetings_router, tags=["meetings"])
