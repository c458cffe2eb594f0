"""Every write to the demand list, triage rules, resources and the working-day calendar."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, geo, images, policy, scope
from dangjian.core.errors import ConflictError, DomainError, ScopeDenied
from dangjian.core.validators import mask_mobile, normalise_mobile, normalise_text, validate_mobile
from dangjian.orgs.models import PartyOrganisation

from . import sms
from .choices import OPEN_STATUSES, Category, DemandStatus, EventKind, ResourceKind
from .models import (
    CODE_CONTEXT,
    MOBILE_CONTEXT,
    AssistSession,
    CalendarDay,
    Demand,
    DemandEvent,
    DemandPhoto,
    MobileVerification,
    Resource,
    TriageRule,
)
from .workdays import add_working_days

# Crockford-like alphabet without 0/O/1/I: read aloud or typed from a receipt without mistakes.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12  # 32**12 = 2**60 codes: not guessable, short enough to type
CODE_TTL = dt.timedelta(minutes=10)
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
CODE_MAX_PER_DAY = 5
CODE_MAX_ATTEMPTS = 5


def sla_keys(category: str) -> tuple[str, str]:
    return f"demands.sla.{category}.response_days", f"demands.sla.{category}.resolution_days"


def sla_dates(category: str, path: str, start: dt.date) -> tuple[dt.date, dt.date]:
    response_key, resolution_key = sla_keys(category)
    values = policy.values_for([response_key, resolution_key], path)
    return add_working_days(start, values[response_key]), add_working_days(start, values[resolution_key])


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(value: str) -> str:
    return normalise_text(value or "").upper().replace("-", "").replace(" ", "")


def _clean_mobile(raw: str) -> str:
    mobile = normalise_mobile(raw or "")
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_mobile", field="mobile") from None
    return mobile


def _event(demand: Demand, kind: str, note: str = "", actor=None, public: bool = True) -> DemandEvent:
    return DemandEvent.objects.create(demand=demand, kind=kind, note=note, actor=actor, public=public)


def _audit(actor, action: str, demand: Demand, changes: dict) -> None:
    audit.record(actor=actor, action=action, obj=demand, org_path=demand.org.path, changes=changes)


# --- mobile verification ----------------------------------------------------------------------


def sms_code_send(*, mobile: str, now: dt.datetime | None = None) -> None:
    """Send a 6-digit code to ``mobile``; at most one a minute and five a day per number."""
    mobile = _clean_mobile(mobile)
    now = now or timezone.now()
    bidx = crypto.blind_index(mobile, MOBILE_CONTEXT)
    with transaction.atomic():
        recent = list(
            MobileVerification.objects.select_for_update()
            .filter(mobile_bidx=bidx, created_at__gt=now - dt.timedelta(days=1))
            .values_list("created_at", flat=True)
        )
        if len(recent) >= CODE_MAX_PER_DAY:
            raise ConflictError(
                _("Too many codes were sent to this number today. Try again tomorrow."), code="too_many_codes"
            )
        if recent and max(recent) > now - CODE_RESEND_AFTER:
            raise ConflictError(_("A code was sent less than a minute ago. Wait a moment."), code="code_sent_recently")
        code = f"{secrets.randbelow(10**6):06d}"
        MobileVerification.objects.create(
            mobile_bidx=bidx,
            code_digest=crypto.blind_index(f"{mobile}:{code}", CODE_CONTEXT),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        text = _("Your verification code is %(code)s. It is valid for 10 minutes.") % {"code": code}
        transaction.on_commit(lambda: sms.send(mobile, text))


def _verify_code(mobile: str, code: str, now: dt.datetime) -> None:
    """Use up the newest unexpired code for ``mobile`` if ``code`` matches; five wrong tries void
    it. Runs in its own transaction so that a wrong try is counted even though the submission fails."""
    bidx = crypto.blind_index(mobile, MOBILE_CONTEXT)
    expected = crypto.blind_index(f"{mobile}:{(code or '').strip()}", CODE_CONTEXT)
    with transaction.atomic():
        verification = (
            MobileVerification.objects.select_for_update()
            .filter(mobile_bidx=bidx, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        ok = (
            verification is not None
            and verification.attempts < CODE_MAX_ATTEMPTS
            and crypto.constant_time_equal(expected, verification.code_digest)
        )
        if verification is not None and not ok:
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
        elif ok:
            verification.used_at = now
            verification.save(update_fields=["used_at"])
    if not ok:
        raise DomainError(_("The verification code is wrong or has expired."), code="invalid_code", field="code")


# --- demands ----------------------------------------------------------------------------------


def _matching_rule(category: str, area: str, org: PartyOrganisation) -> TriageRule | None:
    ancestors = [org.path[:end] for end in range(org.steplen, len(org.path) + 1, org.steplen)]
    best, best_key = None, None
    for rule in TriageRule.objects.select_related("org", "assignee").filter(org__path__in=ancestors):
        if rule.category and rule.category != category:
            continue
        if rule.area and rule.area not in area:
            continue
        key = (len(rule.org.path), bool(rule.category), len(rule.area))
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def demand_submit(
    *,
    actor,
    intake_org: PartyOrganisation,
    category: str,
    description: str,
    area: str = "",
    latitude=None,
    longitude=None,
    contact_name: str = "",
    mobile: str = "",
    code: str = "",
    source: str = "",
    photo=None,
    assist: AssistSession | None = None,
    now: dt.datetime | None = None,
) -> Demand:
    """Take a demand in from an organisation's or station's QR code. A logged-in worker needs no
    mobile; anyone else verifies one by SMS code. Triage rules assign it at once when one matches."""
    now = now or timezone.now()
    logged_in = actor is not None and getattr(actor, "is_authenticated", False)
    if assist is not None:
        return _submit_assisted(
            actor=actor, assist=assist, category=category, description=description, area=area, photo=photo, now=now
        )
    if category not in Category.values:
        raise DomainError(_("Choose a category."), field="category")
    description = (description or "").strip()
    if len(description) < 5:
        raise DomainError(_("Describe what you need in at least 5 characters."), field="description")
    if len(description) > 2000:
        raise DomainError(_("A description has at most 2000 characters."), field="description")
    point = geo.check_point(latitude, longitude)
    clean = images.clean_photo(photo) if photo else None
    mobile = normalise_mobile(mobile or "")
    if mobile or not logged_in:
        if not mobile:
            raise DomainError(_("Enter your mobile number."), code="invalid_mobile", field="mobile")
        mobile = _clean_mobile(mobile)
    if not logged_in and code is not _ASSISTED:
        _verify_code(mobile, code, now)
    with transaction.atomic():
        today = timezone.localdate(now)
        demand = Demand(
            category=category,
            description=description,
            area=(area or "").strip()[:100],
            contact_name=(contact_name or "").strip()[:50],
            submitter=actor if logged_in else None,
            source=(source or "").strip()[:120],
            intake_org=intake_org,
            org=intake_org,
            created_at=now,
        )
        if point:
            demand.latitude, demand.longitude = point
        if mobile:
            demand.mobile_enc = crypto.encrypt(mobile, MOBILE_CONTEXT)
            demand.mobile_bidx = crypto.blind_index(mobile, MOBILE_CONTEXT)
            demand.mobile_masked = mask_mobile(mobile)
        rule = _matching_rule(category, demand.area, intake_org)
        if rule is not None:
            demand.org, demand.department, demand.status = rule.assignee, rule.department, DemandStatus.ASSIGNED
        demand.first_response_due, demand.resolution_due = sla_dates(category, intake_org.path, today)
        for _attempt in range(5):
            demand.tracking_code = new_tracking_code()
            try:
                with transaction.atomic():
                    demand.save(force_insert=True)
                break
            except IntegrityError:
                demand.pk = None
        else:  # pragma: no cover - 2**60 codes
            raise ConflictError(_("Please submit again."))
        if clean:
            _save_photo(demand, clean)
        _event(demand, EventKind.SUBMITTED, actor=actor if logged_in else None)
        if rule is not None:
            _event(demand, EventKind.ASSIGNED, _("Assigned by rule to %(org)s") % {"org": _assignee_label(demand)})
        _audit(
            actor if logged_in else None,
            "demand.submit",
            demand,
            {
                "category": category,
                "intake_org": intake_org.pk,
                "org": demand.org_id,
                "rule": rule.pk if rule else None,
                "mobile_masked": demand.mobile_masked,
                "channel": "account" if logged_in else "assisted" if code is _ASSISTED else "sms_verified_mobile",
                "photo": bool(clean),
            },
        )
    return demand


def _save_photo(demand: Demand, clean: images.CleanPhoto) -> DemandPhoto:
    item = DemandPhoto(demand=demand, width=clean.width, height=clean.height)
    item.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.content), save=False)
    try:
        item.save()
    except Exception:
        item.image.delete(save=False)
        raise
    return item


def _submit_assisted(*, actor, assist: AssistSession, category, description, area, photo, now) -> Demand:
    """A demand submitted by the helper of an active assisted session, for the worker: the worker's
    mobile comes from the session (agreed in person, so no SMS code), and the audit says on whose behalf."""
    with transaction.atomic():
        assist = AssistSession.objects.select_for_update(of=("self",)).select_related("station__org").get(pk=assist.pk)
        if actor is None or assist.helper_id != actor.pk or not assist.is_active(now):
            raise ConflictError(
                _("The assisted session has ended. Start a new one with the worker's consent."), code="assist_ended"
            )
        scope.require(actor, "assist.act", assist.station)
        mobile = crypto.decrypt(assist.mobile_enc, MOBILE_CONTEXT)
        demand = demand_submit(
            actor=None,
            intake_org=assist.station.org,
            category=category,
            description=description,
            area=area,
            contact_name=assist.worker_name,
            mobile=mobile,
            code=_ASSISTED,
            source=assist.station.name,
            photo=photo,
            now=now,
        )
        demand.events.filter(kind=EventKind.SUBMITTED).update(
            note=_("Submitted for you at %(station)s, with your consent.") % {"station": assist.station.name},
            actor=actor,
        )
        audit.record(
            actor=actor,
            action="demand.submit_on_behalf",
            obj=demand,
            org_path=demand.org.path,
            changes={"assist_session": assist.pk, "on_behalf_of": assist.mobile_masked, "station": assist.station_id},
        )
    return demand


# A marker that only _submit_assisted passes: the in-person consent replaces the SMS code.
_ASSISTED = object()


def assist_start(*, actor, station, worker_name: str, mobile: str, consent: bool, consent_note: str, now=None):
    """Start a time-boxed assisted session at a station, after the worker agreed in person."""
    scope.require(actor, "assist.act", station)
    if consent is not True:
        raise DomainError(_("Ask the worker first: you may act for them only with their consent."), field="consent")
    worker_name = (worker_name or "").strip()
    if not worker_name:
        raise DomainError(_("Enter the worker's name."), field="worker_name")
    consent_note = (consent_note or "").strip()
    if len(consent_note) < 2:
        raise DomainError(_("Say how the worker agreed (e.g. in person, signed form)."), field="consent_note")
    mobile = _clean_mobile(mobile)
    now = now or timezone.now()
    minutes = policy.value("demands.assist_minutes", station.org.path)
    with transaction.atomic():
        session = AssistSession.objects.create(
            station=station,
            helper=actor,
            worker_name=worker_name[:50],
            mobile_enc=crypto.encrypt(mobile, MOBILE_CONTEXT),
            mobile_bidx=crypto.blind_index(mobile, MOBILE_CONTEXT),
            mobile_masked=mask_mobile(mobile),
            consent_note=consent_note[:200],
            started_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        audit.record(
            actor=actor,
            action="assist.start",
            obj=session,
            org_path=station.org.path,
            object_repr=f"{session.mobile_masked} @ {station.name}",
            changes={
                "station": station.pk,
                "worker": session.mobile_masked,
                "consent": session.consent_note,
                "minutes": minutes,
            },
        )
    return session


def assist_end(*, actor, session: AssistSession, now=None) -> AssistSession:
    scope.require(actor, "assist.act", session.station)
    with transaction.atomic():
        session = (
            AssistSession.objects.select_for_update(of=("self",)).select_related("station__org").get(pk=session.pk)
        )
        if session.ended_at is None:
            session.ended_at = now or timezone.now()
            session.save(update_fields=["ended_at"])
            audit.record(
                actor=actor,
                action="assist.end",
                obj=session,
                org_path=session.station.org.path,
                object_repr=f"{session.mobile_masked} @ {session.station.name}",
            )
    return session


def _assignee_label(demand: Demand) -> str:
    return f"{demand.org.name} · {demand.department}" if demand.department else demand.org.name


def _locked(demand: Demand) -> Demand:
    return Demand.objects.select_for_update().select_related("org").get(pk=demand.pk)


def demand_assign(*, actor, demand: Demand, org: PartyOrganisation, department: str = "") -> Demand:
    """Triage by hand: give the demand to an organisation (and partner department) in the actor's scope."""
    scope.require(actor, "demand.triage", demand)
    if actor is not None and not scope.can(actor, "demand.triage", org):
        raise ScopeDenied(_("You can only assign to organisations you manage."), field="org")
    with transaction.atomic():
        demand = _locked(demand)
        if demand.status in (DemandStatus.ANSWERED, DemandStatus.CLOSED):
            raise ConflictError(_("This demand has already been answered."), code="demand_answered")
        before = {"org": demand.org_id, "department": demand.department, "status": demand.status}
        demand.org, demand.department = org, (department or "").strip()[:100]
        if demand.status == DemandStatus.NEW:
            demand.status = DemandStatus.ASSIGNED
        demand.save()
        _event(demand, EventKind.ASSIGNED, _("Assigned to %(org)s") % {"org": _assignee_label(demand)}, actor)
        _audit(
            actor,
            "demand.assign",
            demand,
            audit.changed_fields(before, {"org": org.pk, "department": demand.department, "status": demand.status}),
        )
    return demand


def _text(value: str, field: str, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(_("Write at least %(n)s characters.") % {"n": minimum}, field=field)
    if len(value) > 2000:
        raise DomainError(_("At most 2000 characters."), field=field)
    return value


def demand_reply(*, actor, demand: Demand, note: str, now: dt.datetime | None = None) -> Demand:
    """A progress reply to the worker; the first one stops the first-response clock."""
    scope.require(actor, "demand.handle", demand)
    note = _text(note, "note")
    now = now or timezone.now()
    with transaction.atomic():
        demand = _locked(demand)
        if demand.status not in OPEN_STATUSES:
            raise ConflictError(_("This demand is not open."), code="demand_not_open")
        first = demand.first_response_at is None
        demand.first_response_at = demand.first_response_at or now
        demand.status = DemandStatus.IN_PROGRESS
        demand.save()
        _event(demand, EventKind.REPLY, note, actor)
        _audit(actor, "demand.reply", demand, {"first_response": first})
    return demand


def demand_resolve(*, actor, demand: Demand, answer: str, now: dt.datetime | None = None) -> Demand:
    """The assignee's answer; the worker then rates it or reopens the demand."""
    scope.require(actor, "demand.handle", demand)
    answer = _text(answer, "answer", 5)
    now = now or timezone.now()
    with transaction.atomic():
        demand = _locked(demand)
        if demand.status not in OPEN_STATUSES:
            raise ConflictError(_("This demand is not open."), code="demand_not_open")
        demand.first_response_at = demand.first_response_at or now
        demand.resolved_at, demand.answer, demand.status = now, answer, DemandStatus.ANSWERED
        demand.save()
        _event(demand, EventKind.RESOLVED, answer, actor)
        _audit(actor, "demand.resolve", demand, {"status": DemandStatus.ANSWERED})
    return demand


def demand_match(*, actor, demand: Demand, resource: Resource | None) -> Demand:
    """Point the worker to a resource or project (None removes the match)."""
    scope.require(actor, "demand.handle", demand)
    with transaction.atomic():
        if resource is not None and not Resource.objects.filter(pk=resource.pk, active=True).exists():
            raise DomainError(_("This resource is no longer offered."), field="resource")
        demand = _locked(demand)
        before = demand.resource_id
        demand.resource = resource
        demand.save()
        if resource is not None:
            _event(demand, EventKind.MATCHED, f"{resource.title} · {resource.provider}", actor)
        _audit(actor, "demand.match", demand, {"resource": [before, resource.pk if resource else None]})
    return demand


def find_by_tracking_code(code: str) -> Demand | None:
    code = normalise_tracking_code(code)
    if len(code) != TRACKING_LENGTH:
        return None
    return Demand.objects.select_related("org", "resource").filter(tracking_code=code).first()


def demand_rate(*, demand: Demand, rating: int, comment: str = "") -> Demand:
    """The worker (holding the tracking code) rates the answer 1–5; this closes the demand."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("Choose 1 to 5 stars."), field="rating")
    comment = (comment or "").strip()[:500]
    with transaction.atomic():
        demand = _locked(demand)
        if demand.status != DemandStatus.ANSWERED:
            raise ConflictError(_("Only an answered demand can be rated."), code="demand_not_answered")
        demand.rating, demand.status = rating, DemandStatus.CLOSED
        demand.save()
        _event(demand, EventKind.RATED, f"{rating}/5 {comment}".strip())
        _audit(None, "demand.rate", demand, {"rating": rating})
    return demand


def demand_reopen(*, demand: Demand, reason: str, now: dt.datetime | None = None) -> Demand:
    """The worker is not satisfied: the demand goes back to its assignee with a new resolution clock."""
    reason = _text(reason, "reason", 5)
    now = now or timezone.now()
    with transaction.atomic():
        demand = _locked(demand)
        if demand.status not in (DemandStatus.ANSWERED, DemandStatus.CLOSED):
            raise ConflictError(_("Only an answered demand can be reopened."), code="demand_not_answered")
        values = policy.values_for(["demands.max_reopens", "demands.reopen_days"], demand.org.path)
        if demand.reopen_count >= values["demands.max_reopens"]:
            raise ConflictError(
                _("This demand was reopened too often. Please submit a new one."), code="too_many_reopens"
            )
        if demand.resolved_at and now - demand.resolved_at > dt.timedelta(days=values["demands.reopen_days"]):
            raise ConflictError(_("The time to reopen this demand has passed."), code="reopen_window_passed")
        _resp, resolution = sla_dates(demand.category, demand.org.path, timezone.localdate(now))
        demand.status, demand.rating, demand.resolved_at = DemandStatus.IN_PROGRESS, None, None
        demand.reopen_count += 1
        demand.resolution_due = resolution
        demand.escalated_at, demand.escalated_to = None, None
        demand.save()
        _event(demand, EventKind.REOPENED, reason)
        _audit(None, "demand.reopen", demand, {"reopen_count": demand.reopen_count})
    return demand


def demands_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every open demand whose SLA clock ran out to the organisation above its current one.
    Run by the platform (``escalate_overdue_demands``); each demand in its own transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = Demand.objects.filter(status__in=OPEN_STATUSES, escalated_at__isnull=True).select_related("org")
    escalated = 0
    for demand in candidates.filter(resolution_due__lt=today) | candidates.filter(
        first_response_at__isnull=True, first_response_due__lt=today
    ):
        with transaction.atomic():
            demand = _locked(demand)
            which = demand.overdue(today)
            if not which or demand.escalated_at is not None:
                continue
            above = PartyOrganisation.objects.get_parent(demand.org) or demand.org
            demand.escalated_to, demand.escalated_at = above, now
            demand.save()
            _event(demand, EventKind.ESCALATED, _("Overdue; escalated to %(org)s") % {"org": above.name})
            _audit(None, "demand.escalate", demand, {"overdue": which, "escalated_to": above.pk})
            escalated += 1
    return escalated


# --- triage rules -----------------------------------------------------------------------------


def triage_rule_create(
    *,
    actor,
    org: PartyOrganisation,
    assignee: PartyOrganisation,
    category: str = "",
    area: str = "",
    department: str = "",
) -> TriageRule:
    scope.require(actor, "demand.rules", org)
    if actor is not None and not scope.can(actor, "demand.rules", assignee):
        raise ScopeDenied(_("You can only assign to organisations you manage."), field="assignee")
    if category and category not in Category.values:
        raise DomainError(_("Choose a category."), field="category")
    with transaction.atomic():
        if TriageRule.objects.filter(org=org, category=category, area=(area or "").strip()).exists():
            raise ConflictError(_("A rule for this category and area already exists here."), code="duplicate_rule")
        rule = TriageRule.objects.create(
            org=org,
            assignee=assignee,
            category=category,
            area=(area or "").strip()[:100],
            department=(department or "").strip()[:100],
        )
        audit.record(
            actor=actor,
            action="triage_rule.create",
            obj=rule,
            org_path=org.path,
            changes={"category": category, "area": rule.area, "assignee": assignee.pk, "department": rule.department},
        )
    return rule


def triage_rule_delete(*, actor, rule: TriageRule) -> None:
    scope.require(actor, "demand.rules", rule)
    with transaction.atomic():
        audit.record(actor=actor, action="triage_rule.delete", obj=rule, org_path=rule.org.path)
        rule.delete()


# --- resources and projects -------------------------------------------------------------------

RESOURCE_FIELDS = [
    "kind",
    "title",
    "category",
    "provider",
    "description",
    "area",
    "contact",
    "starts_on",
    "ends_on",
    "active",
]


def _resource_apply(resource: Resource, data: dict) -> None:
    for key, value in data.items():
        if key not in RESOURCE_FIELDS:
            raise DomainError(_("Unknown field %(f)s.") % {"f": key}, field=key)
        setattr(resource, key, value.strip() if isinstance(value, str) else value)
    if not resource.title:
        raise DomainError(_("Enter a title."), field="title")
    if not resource.provider:
        raise DomainError(_("Enter who provides it."), field="provider")
    if resource.category not in Category.values:
        raise DomainError(_("Choose a category."), field="category")
    if resource.kind not in ResourceKind.values:
        raise DomainError(_("Choose a valid value."), field="kind")
    if resource.starts_on and resource.ends_on and resource.ends_on < resource.starts_on:
        raise DomainError(_("The end date is before the start date."), field="ends_on")


def resource_create(*, actor, org: PartyOrganisation, **data) -> Resource:
    scope.require(actor, "resource.manage", org)
    resource = Resource(org=org)
    _resource_apply(resource, data)
    with transaction.atomic():
        resource.save()
        audit.record(
            actor=actor,
            action="resource.create",
            obj=resource,
            org_path=org.path,
            changes=audit.snapshot(resource, RESOURCE_FIELDS),
        )
    return resource


def resource_update(*, actor, resource: Resource, **data) -> Resource:
    scope.require(actor, "resource.manage", resource)
    with transaction.atomic():
        resource = Resource.objects.select_for_update().select_related("org").get(pk=resource.pk)
        before = audit.snapshot(resource, RESOURCE_FIELDS)
        _resource_apply(resource, data)
        resource.save()
        audit.record(
            actor=actor,
            action="resource.update",
            obj=resource,
            org_path=resource.org.path,
            changes=audit.changed_fields(before, audit.snapshot(resource, RESOURCE_FIELDS)),
        )
    return resource


# --- working-day calendar ---------------------------------------------------------------------


def calendar_day_set(*, actor, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Record a holiday or a weekend working day (platform-wide; system administrators)."""
    if actor is not None and not scope.has_action(actor, "policy.change"):
        raise ScopeDenied(_("You do not have permission to do this here."))
    with transaction.atomic():
        day, _created = CalendarDay.objects.update_or_create(
            date=date, defaults={"is_workday": is_workday, "name": (name or "").strip()[:50]}
        )
        audit.record(
            actor=actor,
            action="calendar.set",
            object_type="demands.calendarday",
            object_id=str(date),
            object_repr=str(day),
            changes={"is_workday": is_workday, "name": day.name},
        )
    return day
