"""Every write to grids, grid members and reports: scope checked, validated, audited."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, geo, images, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.demands import sms
from dangjian.orgs.models import PartyOrganisation
from dangjian.points import services as points

from .choices import PhotoStage, ReportCategory, ReportStatus
from .models import Grid, GridMember, Report, ReportPhoto

MAX_VERTICES = 500


def point_in_polygon(lat: float, lng: float, polygon: list[list[float]]) -> bool:
    """Ray casting on (lat, lng) vertices; a point on an edge may fall either way."""
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        lat_i, lng_i = polygon[i]
        lat_j, lng_j = polygon[j]
        if (lng_i > lng) != (lng_j > lng):
            crossing = (lat_j - lat_i) * (lng - lng_i) / (lng_j - lng_i) + lat_i
            if lat < crossing:
                inside = not inside
        j = i
    return inside


def _clean_polygon(raw) -> list[list[float]]:
    if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_VERTICES:
        raise DomainError(_("A grid needs 3 to 500 corner points."), field="polygon")
    points = []
    for vertex in raw:
        if not isinstance(vertex, list | tuple) or len(vertex) != 2:
            raise DomainError(_("Each corner is [latitude, longitude]."), field="polygon")
        lat, lng = geo.check_point(vertex[0], vertex[1], field="polygon")
        points.append([float(lat), float(lng)])
    return points


def grid_create(*, actor, org: PartyOrganisation, name: str, polygon) -> Grid:
    scope.require(actor, "grid.manage", org)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the grid's name."), field="name")
    vertices = _clean_polygon(polygon)
    lats, lngs = [v[0] for v in vertices], [v[1] for v in vertices]
    with transaction.atomic():
        grid = Grid.objects.create(
            org=org,
            name=name[:100],
            polygon=vertices,
            min_lat=min(lats),
            max_lat=max(lats),
            min_lng=min(lngs),
            max_lng=max(lngs),
        )
        audit.record(
            actor=actor, action="grid.create", obj=grid, org_path=org.path, changes={"vertices": len(vertices)}
        )
    return grid


def grid_for_point(lat: float, lng: float) -> Grid | None:
    """The smallest grid containing the point (grids may nest: a street's grid and a block's)."""
    candidates = Grid.objects.select_related("org").filter(
        min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
    )
    inside = [g for g in candidates if point_in_polygon(lat, lng, g.polygon)]
    inside.sort(key=lambda g: ((g.max_lat - g.min_lat) * (g.max_lng - g.min_lng), g.pk))
    return inside[0] if inside else None


def grid_member_enrol(*, actor, grid: Grid) -> GridMember:
    """A worker enrols as an informant for a grid."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(_("Log in to enrol."))
    with transaction.atomic():
        member, created = GridMember.objects.get_or_create(user=actor, grid=grid)
        if not created:
            raise ConflictError(_("You are already a grid member here."), code="already_enrolled")
        audit.record(actor=actor, action="grid.enrol", obj=grid, org_path=grid.org.path, changes={"user": actor.pk})
    return member


def _save_photo(report: Report, stage: str, clean: images.CleanPhoto) -> ReportPhoto:
    """Store an already cleaned photo; the caller's transaction holds the row, and the file is
    removed again if saving the row fails."""
    item = ReportPhoto(report=report, stage=stage, width=clean.width, height=clean.height)
    item.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.content), save=False)
    try:
        item.save()
    except Exception:
        item.image.delete(save=False)
        raise
    return item


def _near_duplicate(category: str, lat: float, lng: float, now: dt.datetime, path: str) -> Report | None:
    values = policy.values_for(["reports.duplicate_radius_m", "reports.duplicate_days"], path)
    radius, days = values["reports.duplicate_radius_m"], values["reports.duplicate_days"]
    dlat = radius / 111_320
    dlng = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Report.objects.filter(
        category=category,
        created_at__gte=now - dt.timedelta(days=days),
        latitude__gte=lat - dlat,
        latitude__lte=lat + dlat,
        longitude__gte=lng - dlng,
        longitude__lte=lng + dlng,
    ).order_by("created_at", "id")
    for report in candidates:
        if geo.haversine_m(lat, lng, float(report.latitude), float(report.longitude)) <= radius:
            return report.duplicate_of if report.duplicate_of_id else report
    return None


def report_submit(
    *,
    actor,
    category: str,
    latitude,
    longitude,
    description: str = "",
    photo=None,
    now: dt.datetime | None = None,
) -> Report:
    """A worker reports a public problem with its position (and a photo). It goes to the grid that
    contains the point; a report of the same category within the duplicate radius and days of an
    earlier one is kept and linked to it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(_("Log in to report."))
    if category not in ReportCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    point = geo.check_point(latitude, longitude)
    if point is None:
        raise DomainError(_("Tap “Use my location” so that we know where it is."), field="latitude")
    description = (description or "").strip()
    if len(description) > 500:
        raise DomainError(_("A description has at most 500 characters."), field="description")
    clean = images.clean_photo(photo) if photo else None
    now = now or timezone.now()
    lat, lng = float(point[0]), float(point[1])
    grid = grid_for_point(lat, lng)
    org = grid.org if grid else actor.home_org
    if org is None:
        raise DomainError(_("This place is outside every grid. Report it through your organisation."), code="no_grid")
    with transaction.atomic():
        report = Report.objects.create(
            category=category,
            description=description,
            latitude=point[0],
            longitude=point[1],
            grid=grid,
            org=org,
            reporter=actor,
            by_grid_member=bool(grid and GridMember.objects.filter(user=actor, grid=grid).exists()),
            duplicate_of=_near_duplicate(category, lat, lng, now, org.path),
            created_at=now,
        )
        if clean:
            _save_photo(report, PhotoStage.BEFORE, clean)
        audit.record(
            actor=actor,
            action="report.submit",
            obj=report,
            org_path=org.path,
            changes={
                "category": category,
                "grid": grid.pk if grid else None,
                "duplicate_of": report.duplicate_of_id,
                "by_grid_member": report.by_grid_member,
                "photo_location_stripped": bool(clean and clean.had_location),
            },
        )
    return report


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("org", "reporter").get(pk=report.pk)


def report_start(*, actor, report: Report) -> Report:
    scope.require(actor, "report.handle", report)
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.OPEN:
            raise ConflictError(_("This report is already being handled or closed."), code="report_not_open")
        report.status = ReportStatus.IN_PROGRESS
        report.save(update_fields=["status"])
        audit.record(actor=actor, action="report.start", obj=report, org_path=report.org.path)
    return report


def report_close(*, actor, report: Report, resolution: str, photo=None, now: dt.datetime | None = None) -> Report:
    """Close a report (and the reports linked to it as the same problem) with what was done and an
    optional after photo. The first reporter earns points; every reporter is told by text message."""
    scope.require(actor, "report.handle", report)
    resolution = (resolution or "").strip()
    if len(resolution) < 2:
        raise DomainError(_("Say what was done."), field="resolution")
    clean = images.clean_photo(photo) if photo else None
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report)
        if report.status == ReportStatus.CLOSED:
            raise ConflictError(_("This report is already closed."), code="report_closed")
        group = [
            report,
            *Report.objects.select_for_update().filter(duplicate_of=report).exclude(status=ReportStatus.CLOSED),
        ]
        for item in group:
            item.status, item.resolution, item.closed_at = ReportStatus.CLOSED, resolution[:500], now
            item.save(update_fields=["status", "resolution", "closed_at"])
        if clean:
            _save_photo(report, PhotoStage.AFTER, clean)
        audit.record(
            actor=actor,
            action="report.close",
            obj=report,
            org_path=report.org.path,
            changes={"duplicates_closed": [r.pk for r in group[1:]]},
        )
        award = policy.value("points.report_closed", report.org.path)
        if award and report.duplicate_of_id is None:
            points.points_earn(
                user=report.reporter,
                points=award,
                reason=_("Report closed: %(what)s") % {"what": report.get_category_display()},
                org=report.org,
                source=f"report:{report.pk}",
                now=now,
            )
        mobiles = sorted(
            {
                r.reporter.mobile
                for r in Report.objects.filter(pk__in=[r.pk for r in group]).select_related("reporter")
                if r.reporter.mobile
            }
        )
        text = _("Your report (%(what)s) was closed: %(done)s") % {
            "what": report.get_category_display(),
            "done": resolution[:60],
        }
        for mobile in mobiles:
            transaction.on_commit(lambda mobile=mobile: sms.send(mobile, text))
    return report
