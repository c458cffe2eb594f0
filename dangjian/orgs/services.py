"""Every write to organisations, host entities and coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import PolicyValue
from dangjian.core.validators import normalise_uscc, validate_uscc

from .choices import ALLOWED_CHILD_KINDS, ENTITY_CATEGORY, EntityKind, OrgKind
from .models import HostEntity, InstructorAssignment, OrgEntityLink, PartyOrganisation

ORG_FIELDS = [
    "name",
    "code",
    "kind",
    "special_type",
    "category",
    "established_on",
    "term_start",
    "term_years",
    "term_end",
    "secretary_name",
    "has_committee",
    "member_count",
    "full_member_count",
    "address",
    "latitude",
    "longitude",
]
ENTITY_FIELDS = [
    "name",
    "kind",
    "uscc",
    "industry",
    "address",
    "latitude",
    "longitude",
    "employee_count",
    "member_count",
    "owner_org_id",
    "parent_entity_id",
]


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def default_term_years(kind: str, path: str = "") -> int:
    key = "orgs.term_years_committee" if kind == OrgKind.COMMITTEE else "orgs.term_years_branch"
    return policy.value(key, path)


def _clean_value(model: type[models.Model], key: str, value):
    """Refuse what the database would refuse (differently on SQLite and PostgreSQL, or as a 500):
    an empty required field, a value outside the choices, too long a text, a negative count."""
    field = model._meta.get_field(key)
    if isinstance(value, str):
        value = value.strip()
    if value is None:
        if field.null:
            return None
        if isinstance(field, models.CharField) and field.blank:
            return ""
        raise DomainError(_("This field cannot be empty."), field=key)
    if field.choices and value not in dict(field.flatchoices):
        raise DomainError(_("Choose one of the listed values."), field=key)
    if isinstance(value, str) and field.max_length and len(value) > field.max_length:
        raise DomainError(_("At most %(n)d characters.") % {"n": field.max_length}, field=key)
    if (
        isinstance(field, models.PositiveIntegerField | models.PositiveSmallIntegerField)
        and isinstance(value, int)
        and value < 0
    ):
        raise DomainError(_("This number cannot be negative."), field=key)
    return value


def _check_kind_under(parent: PartyOrganisation | None, kind: str) -> None:
    if parent is None:
        if kind != OrgKind.COMMITTEE:
            raise DomainError(_("Only a party committee can stand at the top of the tree."), field="kind")
        return
    if kind not in ALLOWED_CHILD_KINDS[OrgKind(parent.kind)]:
        raise DomainError(
            _("A %(child)s cannot be placed under a %(parent)s.")
            % {"child": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
            code="kind_not_allowed",
            field="kind",
        )


def _check_location(latitude, longitude) -> None:
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="latitude")
    if latitude is not None and not (Decimal(-90) <= Decimal(latitude) <= Decimal(90)):
        raise DomainError(_("Latitude must be between -90 and 90."), field="latitude")
    if longitude is not None and not (Decimal(-180) <= Decimal(longitude) <= Decimal(180)):
        raise DomainError(_("Longitude must be between -180 and 180."), field="longitude")


def _apply_org_fields(org: PartyOrganisation, data: dict, region_path: str) -> None:
    """``region_path``: where the default term length is looked up (the parent's path for a new org)."""
    for key, value in data.items():
        if key not in ORG_FIELDS or key == "term_end":
            raise DomainError(_("Unknown field %(f)s.") % {"f": key}, field=key)
        setattr(org, key, _clean_value(PartyOrganisation, key, value))
    if not org.name:
        raise DomainError(_("Enter the organisation's name."), field="name")
    org.code = (org.code or "").strip().upper()
    if not org.code:
        raise DomainError(_("Enter the organisation's code."), field="code")
    if org.term_years not in (None, 3, 5):
        raise DomainError(_("A term lasts 3 or 5 years."), field="term_years")
    if org.term_start and not org.term_years:
        org.term_years = default_term_years(org.kind, region_path)
    org.term_end = add_years(org.term_start, org.term_years) if org.term_start and org.term_years else None
    if org.established_on and org.established_on > timezone.localdate():
        raise DomainError(_("The founding date cannot be in the future."), field="established_on")
    if org.established_on and org.term_start and org.term_start < org.established_on:
        raise DomainError(_("The term cannot start before the organisation was founded."), field="term_start")
    if org.member_count is None or org.full_member_count is None or org.full_member_count > org.member_count:
        raise DomainError(_("Full members cannot outnumber all members."), field="full_member_count")
    _check_location(org.latitude, org.longitude)


def _code_taken(code: str, exclude_pk: int | None = None) -> bool:
    return PartyOrganisation.objects.filter(code=code).exclude(pk=exclude_pk).exists()


@transaction.atomic
def org_create(*, actor, parent: PartyOrganisation | None, **data) -> PartyOrganisation:
    """Create an organisation under ``parent``. Only the bootstrap (actor None) creates a root."""
    if parent is None:
        if actor is not None:
            raise DomainError(_("Choose the higher organisation."), field="parent")
    else:
        scope.require(actor, "org.create", parent)
        parent = PartyOrganisation.objects.select_for_update().get(pk=parent.pk)
    org = PartyOrganisation(kind=data.get("kind") or OrgKind.BRANCH)
    _apply_org_fields(org, data, parent.path if parent is not None else "")
    _check_kind_under(parent, org.kind)
    if _code_taken(org.code):
        raise ConflictError(_("The code %(code)s is already used.") % {"code": org.code}, field="code")
    try:
        with transaction.atomic():
            org = (
                PartyOrganisation.objects.add_root(instance=org)
                if parent is None
                else PartyOrganisation.objects.add_child(parent, instance=org)
            )
    except IntegrityError:
        raise ConflictError(_("The code %(code)s is already used.") % {"code": org.code}, field="code") from None
    audit.record(
        actor=actor,
        action="org.create",
        obj=org,
        org_path=org.path,
        changes=audit.changed_fields({}, audit.snapshot(org, ORG_FIELDS)),
    )
    scope.ensure_in_scope(actor, "org.view", org)
    return org


@transaction.atomic
def org_update(*, actor, org: PartyOrganisation, **data) -> PartyOrganisation:
    scope.require(actor, "org.change", org)
    org = PartyOrganisation.objects.select_for_update().get(pk=org.pk)
    before = audit.snapshot(org, ORG_FIELDS)
    _apply_org_fields(org, data, org.path)
    parent = PartyOrganisation.objects.get_parent(org)
    _check_kind_under(parent, org.kind)
    children_kinds = set(PartyOrganisation.objects.get_children(org).values_list("kind", flat=True))
    if not children_kinds <= ALLOWED_CHILD_KINDS[OrgKind(org.kind)]:
        raise DomainError(_("This kind cannot hold the organisations already under it."), field="kind")
    if _code_taken(org.code, org.pk):
        raise ConflictError(_("The code %(code)s is already used.") % {"code": org.code}, field="code")
    org.save()
    changes = audit.changed_fields(before, audit.snapshot(org, ORG_FIELDS))
    audit.record(actor=actor, action="org.update", obj=org, org_path=org.path, changes=changes)
    scope.ensure_in_scope(actor, "org.change", org)
    return org


@transaction.atomic
def org_move(*, actor, org: PartyOrganisation, new_parent: PartyOrganisation) -> PartyOrganisation:
    """Move ``org`` and its subtree under ``new_parent``. Refuses moves under itself or its
    descendants, and moves that would leave the actor's scope."""
    scope.require(actor, "org.move", org)
    scope.require(actor, "org.create", new_parent)
    org = PartyOrganisation.objects.select_for_update().get(pk=org.pk)
    new_parent = PartyOrganisation.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise DomainError(
            _("An organisation cannot be moved under itself or under one of its own subordinate organisations."),
            code="move_into_own_subtree",
            field="parent",
        )
    old_parent = PartyOrganisation.objects.get_parent(org)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise DomainError(
            _("The organisation is already directly under %(name)s.") % {"name": new_parent.name}, field="parent"
        )
    _check_kind_under(new_parent, org.kind)
    old_path = org.path
    PartyOrganisation.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    _carry_policy_values(old_path, org.path)
    scope.carry_paths(old_path, org.path)
    audit.record(
        actor=actor,
        action="org.move",
        obj=org,
        org_path=org.path,
        changes={"parent": [old_parent.pk if old_parent else None, new_parent.pk], "path": [old_path, org.path]},
    )
    scope.ensure_in_scope(actor, "org.view", org)
    return org


def _carry_policy_values(old_path: str, new_path: str) -> None:
    """Regional settings are keyed by path: rewrite those of the moved subtree to its new paths."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    PolicyValue.objects.filter(scope_path__startswith=old_path).update(
        scope_path=Concat(Value(new_path), Substr("scope_path", len(old_path) + 1))
    )
    policy.changed()


# --- Host entities ------------------------------------------------------------------------------------


def _apply_entity_fields(entity: HostEntity, data: dict) -> None:
    for key, value in data.items():
        if key not in ENTITY_FIELDS:
            raise DomainError(_("Unknown field %(f)s.") % {"f": key}, field=key)
        if key != "uscc":  # the credit code is normalised and checked below
            value = _clean_value(HostEntity, key, value)
        setattr(entity, key, value.strip() if isinstance(value, str) else value)
    if not entity.name:
        raise DomainError(_("Enter the entity's name."), field="name")
    if entity.kind not in EntityKind.values:
        raise DomainError(_("Choose what kind of entity this is."), field="kind")
    entity.category = ENTITY_CATEGORY[EntityKind(entity.kind)]
    if entity.uscc:
        entity.uscc = normalise_uscc(entity.uscc)
        try:
            validate_uscc(entity.uscc)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_uscc", field="uscc") from None
    else:
        entity.uscc = None
        if entity.kind != EntityKind.WORKER_GROUP:
            raise DomainError(_("Enter the unified social credit code (only worker groups have none)."), field="uscc")
    if entity.employee_count and entity.member_count > entity.employee_count:
        raise DomainError(_("Party members cannot outnumber employees."), field="member_count")
    _check_location(entity.latitude, entity.longitude)


@transaction.atomic
def entity_create(*, actor, owner_org: PartyOrganisation, **data) -> HostEntity:
    scope.require(actor, "entity.create", owner_org)
    entity = HostEntity(owner_org=owner_org)
    _apply_entity_fields(entity, data)
    _check_parent_entity(actor, entity)
    if entity.uscc and HostEntity.objects.filter(uscc=entity.uscc).exists():
        raise ConflictError(_("An entity with this unified social credit code is already registered."), field="uscc")
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:
        raise ConflictError(
            _("An entity with this unified social credit code is already registered."), field="uscc"
        ) from None
    audit.record(
        actor=actor,
        action="entity.create",
        obj=entity,
        org_path=owner_org.path,
        changes=audit.changed_fields({}, audit.snapshot(entity, ENTITY_FIELDS)),
    )
    scope.ensure_in_scope(actor, "entity.view", entity)
    return entity


def _check_parent_entity(actor, entity: HostEntity) -> None:
    if entity.parent_entity_id is None:
        return
    if entity.pk and entity.parent_entity_id == entity.pk:
        raise DomainError(_("An entity cannot be its own parent."), field="parent_entity_id")
    parent = HostEntity.objects.filter(pk=entity.parent_entity_id).select_related("owner_org").first()
    if parent is None or (actor is not None and not scope.can(actor, "entity.view", parent)):
        raise DomainError(_("Choose a parent entity you can see."), field="parent_entity_id")
    # Walk up from the parent: meeting the entity itself would close a cycle (A → B → A).
    seen, ancestor_id = {parent.pk}, parent.parent_entity_id
    while ancestor_id is not None and entity.pk is not None:
        if ancestor_id == entity.pk:
            raise DomainError(_("This parent would make the entity its own ancestor."), field="parent_entity_id")
        if ancestor_id in seen:
            break
        seen.add(ancestor_id)
        ancestor_id = HostEntity.objects.filter(pk=ancestor_id).values_list("parent_entity_id", flat=True).first()


@transaction.atomic
def entity_update(*, actor, entity: HostEntity, **data) -> HostEntity:
    scope.require(actor, "entity.change", entity)
    entity = HostEntity.objects.select_for_update().get(pk=entity.pk)
    before = audit.snapshot(entity, ENTITY_FIELDS)
    new_owner = data.pop("owner_org", None)
    if new_owner is not None and new_owner.pk != entity.owner_org_id:
        scope.require(actor, "entity.create", new_owner)
        entity.owner_org = new_owner
    _apply_entity_fields(entity, data)
    _check_parent_entity(actor, entity)
    if entity.uscc and HostEntity.objects.filter(uscc=entity.uscc).exclude(pk=entity.pk).exists():
        raise ConflictError(_("An entity with this unified social credit code is already registered."), field="uscc")
    entity.save()
    audit.record(
        actor=actor,
        action="entity.update",
        obj=entity,
        org_path=entity.owner_org.path,
        changes=audit.changed_fields(before, audit.snapshot(entity, ENTITY_FIELDS)),
    )
    scope.ensure_in_scope(actor, "entity.change", entity)
    return entity


# --- Coverage ------------------------------------------------------------------------------------------


@transaction.atomic
def coverage_link(*, actor, org: PartyOrganisation, entity: HostEntity) -> OrgEntityLink:
    """Record that ``org`` serves ``entity`` (organisational coverage)."""
    scope.require(actor, "coverage.change", entity)
    scope.require(actor, "org.view", org)
    if org.kind == OrgKind.GROUP:
        raise DomainError(_("A party group cannot serve a host entity; choose its branch."), field="org")
    if OrgEntityLink.objects.filter(org=org, entity=entity).exists():
        raise ConflictError(_("%(org)s already serves %(entity)s.") % {"org": org.name, "entity": entity.name})
    link = OrgEntityLink.objects.create(org=org, entity=entity)
    audit.record(
        actor=actor,
        action="coverage.link",
        obj=link,
        org_path=org.path,
        changes={"org": [None, org.pk], "entity": [None, entity.pk]},
    )
    scope.ensure_in_scope(actor, "org.view", link)
    return link


@transaction.atomic
def coverage_unlink(*, actor, link: OrgEntityLink) -> None:
    scope.require(actor, "coverage.change", link.entity)
    audit.record(
        actor=actor,
        action="coverage.unlink",
        obj=link,
        org_path=link.org.path,
        changes={"org": [link.org_id, None], "entity": [link.entity_id, None]},
    )
    link.delete()


@transaction.atomic
def instructor_assign(
    *,
    actor,
    entity: HostEntity,
    instructor_name: str,
    assigned_by: PartyOrganisation,
    start_date: dt.date | None = None,
) -> InstructorAssignment:
    """Assign a party-building instructor to ``entity`` (work coverage)."""
    scope.require(actor, "coverage.change", entity)
    scope.require(actor, "org.view", assigned_by)
    name = (instructor_name or "").strip()
    if not name:
        raise DomainError(_("Enter the instructor's name."), field="instructor_name")
    _clean_value(InstructorAssignment, "instructor_name", name)
    assignment = InstructorAssignment.objects.create(
        entity=entity,
        instructor_name=name,
        assigned_by=assigned_by,
        start_date=start_date or timezone.localdate(),
    )
    audit.record(
        actor=actor,
        action="coverage.instructor_assign",
        obj=assignment,
        org_path=entity.owner_org.path,
        changes={"instructor_name": [None, name]},
    )
    return assignment


@transaction.atomic
def instructor_end(*, actor, assignment: InstructorAssignment, end_date: dt.date | None = None) -> InstructorAssignment:
    scope.require(actor, "coverage.change", assignment.entity)
    assignment = (
        InstructorAssignment.objects.select_for_update().select_related("entity__owner_org").get(pk=assignment.pk)
    )
    if assignment.end_date is not None:
        # Ending again would rewrite when the work coverage stopped.
        raise ConflictError(_("This assignment already ended on %(date)s.") % {"date": assignment.end_date})
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise DomainError(_("The end date cannot be before the start date."), field="end_date")
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    audit.record(
        actor=actor,
        action="coverage.instructor_end",
        obj=assignment,
        org_path=assignment.entity.owner_org.path,
        changes={"end_date": [None, str(end_date)]},
    )
    return assignment
