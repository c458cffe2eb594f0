"""Host entities, the tree of party organisations, and coverage links."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .choices import EntityKind, FieldCategory, Industry, OrgKind, SpecialType


class PartyOrganisation(MP_Node):
    """A party organisation (党组织) in the tree: committee → general branch → branch → group.

    The materialized ``path`` makes a subtree one prefix query; role assignments bind to a node.
    """

    steplen = 4
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    special_type = models.CharField(
        _("special type"), max_length=20, choices=SpecialType.choices, default=SpecialType.STANDARD
    )
    category = models.CharField(_("field category"), max_length=20, choices=FieldCategory.choices)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    term_start = models.DateField(_("current term start"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term length (years)"), null=True, blank=True)
    term_end = models.DateField(_("current term end"), null=True, blank=True, db_index=True)
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True, default="")
    has_committee = models.BooleanField(_("has an elected committee"), default=False)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    full_member_count = models.PositiveIntegerField(_("full members"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    entities = models.ManyToManyField(
        "HostEntity", through="OrgEntityLink", related_name="party_orgs", verbose_name=_("host entities served")
    )

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_years__isnull=True) | models.Q(term_years__in=[3, 5]),
                name="org_term_years_3_or_5",
            ),
            models.CheckConstraint(
                condition=models.Q(full_member_count__lte=models.F("member_count")),
                name="org_full_members_within_members",
            ),
        ]
        indexes = [models.Index(fields=["kind", "category"], name="org_kind_category_idx")]

    def __str__(self) -> str:
        return self.name


class HostEntity(models.Model):
    """The company, platform, association, foundation or worker group that party work covers.

    ``owner_org`` is the organisation responsible for it (属地/主管党组织): it decides which subtree
    counts the entity for coverage and who may manage the record.
    """

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30, choices=EntityKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=FieldCategory.choices, editable=False)
    uscc = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True, unique=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, default=Industry.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    member_count = models.PositiveIntegerField(_("party members"), default=0)
    owner_org = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="owned_entities",
    )
    parent_entity = models.ForeignKey(
        "self",
        verbose_name=_("platform or parent entity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("host entity")
        verbose_name_plural = _("host entities")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["category", "industry"], name="entity_category_industry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_count__lte=models.F("employee_count")) | models.Q(employee_count=0),
                name="entity_members_within_employees",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrgEntityLink(models.Model):
    """Organisational coverage (组织覆盖): a party organisation serves a host entity."""

    org = models.ForeignKey(
        PartyOrganisation, verbose_name=_("party organisation"), on_delete=models.CASCADE, related_name="entity_links"
    )
    entity = models.ForeignKey(
        HostEntity, verbose_name=_("host entity"), on_delete=models.CASCADE, related_name="org_links"
    )
    linked_on = models.DateField(_("linked on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("organisational coverage")
        verbose_name_plural = _("organisational coverage")
        constraints = [models.UniqueConstraint(fields=["org", "entity"], name="org_entity_link_unique")]

    def __str__(self) -> str:
        return f"{self.org} → {self.entity}"


class InstructorAssignment(models.Model):
    """Work coverage (工作覆盖): a party-building instructor assigned to an entity."""

    entity = models.ForeignKey(
        HostEntity, verbose_name=_("host entity"), on_delete=models.CASCADE, related_name="instructors"
    )
    instructor_name = models.CharField(_("instructor"), max_length=50)
    assigned_by = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="instructor_assignments",
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("instructor assignment")
        verbose_name_plural = _("instructor assignments")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="instructor_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instructor_name} → {self.entity}"
