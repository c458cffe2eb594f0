"""The member registry. ID numbers and mobiles are stored only encrypted, with keyed blind indexes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Education, EmploymentForm, Gender, MembershipStatus, PoliticalStatus

ID_CONTEXT = "members.member.id_number"
MOBILE_CONTEXT = "members.member.mobile"


class Member(models.Model):
    """A party member (党员). Personal identifiers live only in ``*_enc`` (ciphertext) and ``*_bidx``
    (blind index for exact search); read them through ``members.services``, which audits reveals."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=10, default="汉族")
    birth_date = models.DateField(_("birth date"))
    id_number_enc = models.TextField(_("ID card number (encrypted)"))
    id_number_bidx = models.CharField(_("ID card number index"), max_length=100, unique=True)
    id_number_masked = models.CharField(_("ID card number"), max_length=18)
    mobile_enc = models.TextField(_("mobile number (encrypted)"), blank=True, default="")
    mobile_bidx = models.CharField(_("mobile number index"), max_length=100, blank=True, default="", db_index=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True, default="")
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True, default="")
    occupation = models.CharField(_("occupation"), max_length=50, blank=True, default="")
    employment_form = models.CharField(
        _("employment form"), max_length=24, choices=EmploymentForm.choices, default=EmploymentForm.OTHER
    )
    employer = models.ForeignKey(
        "orgs.HostEntity",
        verbose_name=_("platform / employer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    work_area = models.CharField(_("work area"), max_length=100, blank=True, default="")
    political_status = models.CharField(_("political status"), max_length=16, choices=PoliticalStatus.choices)
    status = models.CharField(
        _("membership status"),
        max_length=16,
        choices=MembershipStatus.choices,
        default=MembershipStatus.NORMAL,
        db_index=True,
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    join_date = models.DateField(_("join date"))
    full_member_date = models.DateField(_("full-membership date"), null=True, blank=True)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="members"
    )
    is_flowing = models.BooleanField(_("flowing member"), default=False)
    last_contact_on = models.DateField(
        _("last contact"),
        null=True,
        blank=True,
        help_text=_("Organisational life, dues, check-in, study, a reply, or a recorded visit or call."),
    )
    lost_contact_since = models.DateField(_("lost contact since"), null=True, blank=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    personal_data_destroyed_at = models.DateTimeField(_("personal data destroyed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["name", "id"]
        indexes = [
            # The list order: a subtree's first page walks this index and stops after one page,
            # instead of sorting the whole subtree (a street of ~20,000 members at province scale).
            models.Index(fields=["name", "id"], name="member_name_id_idx"),
            models.Index(fields=["org", "name"], name="member_org_name_idx"),
            models.Index(fields=["employment_form"], name="member_employment_idx"),
            # A subtree's count with a filter: one short index range per organisation instead of
            # visiting every member of that employment form or status in the province.
            models.Index(fields=["org", "employment_form"], name="member_org_form_idx"),
            models.Index(fields=["org", "status"], name="member_org_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(political_status="probationary", full_member_date__isnull=True)
                | models.Q(political_status="full", full_member_date__isnull=False),
                name="member_full_date_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(full_member_date__isnull=True)
                | models.Q(full_member_date__gte=models.F("join_date")),
                name="member_full_after_join",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def party_age(self, today=None) -> int | None:
        """Whole years since becoming a full member (党龄); None for probationary members."""
        if self.full_member_date is None:
            return None
        today = today or timezone.localdate()
        years = today.year - self.full_member_date.year
        if (today.month, today.day) < (self.full_member_date.month, self.full_member_date.day):
            years -= 1
        return max(years, 0)


class ConsentPurpose(models.TextChoices):
    MEMBERSHIP = "membership", _("Managing my party membership (ID card number, mobile, party status)")
    FLOWING_LOCATION = "flowing_location", _("Locating me as a flowing member (work area and place)")
    SERVICES = "services", _("Contacting me about services and activities")


class Consent(models.Model):
    """Separate consent (单独同意, PIPL art. 29) to process sensitive personal information for one
    purpose. Withdrawal keeps the row: the history of consent is evidence too."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    scope_text = models.CharField(_("what is processed"), max_length=300)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    channel = models.CharField(_("how it was given"), max_length=100, blank=True, default="")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_purpose_display()}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class DestructionRecord(models.Model):
    """Evidence that a member's personal fields were destroyed after the retention period."""

    member_id_ref = models.BigIntegerField(_("member id"), db_index=True)
    org_path = models.CharField(_("organisation path"), max_length=255)
    fields = models.JSONField(_("fields destroyed"))
    basis = models.CharField(_("basis"), max_length=200)
    destroyed_at = models.DateTimeField(_("destroyed at"), default=timezone.now)

    class Meta:
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")
        ordering = ["-destroyed_at"]

    def __str__(self) -> str:
        return f"#{self.member_id_ref} {self.destroyed_at:%Y-%m-%d}"


class MemberCode(models.Model):
    """One member's personal code (一人一码 / 电子党员证). The QR carries only a signed reference to
    this row (see ``members.codes``); revocation and expiry live here, so a leaked print can be
    withdrawn. At most one unrevoked code per member."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="codes")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("member code")
        verbose_name_plural = _("member codes")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(revoked_at__isnull=True), name="membercode_one_active"
            ),
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("issued_at")), name="membercode_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.issued_at:%Y-%m-%d}"

    def is_valid(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at


class ImportJob(models.Model):
    """One upload of members from Excel. The file is kept until the job finishes; the result keeps
    per-row errors (row number, field, message) so the page can show every bad row. A worker runs
    it as a background task (``members.tasks.import_members``) in one transaction: a worker killed
    mid-way leaves no member behind, and the job is queued again (``attempts`` counts the runs) or,
    after too many, stopped for the user to retry."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing: import only if every row is valid")
        VALID_ROWS = "valid", _("Import the valid rows, report the others")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Nothing imported")
        STOPPED = "stopped", _("Interrupted: nothing imported, can be retried")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("import under"),
        on_delete=models.PROTECT,
        related_name="member_imports",
    )
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("file"), null=True, editable=False)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    errors = models.JSONField(_("errors"), default=list)
    message = models.CharField(_("message"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    runner = models.CharField(_("run by"), max_length=120, blank=True, default="")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class LostContactCase(models.Model):
    """The search for a member who lost contact (失联党员, DOMAIN §3.4): flagged, searched for, and
    closed as found, restored (within 2 years of stopped membership) or removed. Membership may be
    stopped while the case stays open. At most one open case per member."""

    class State(models.TextChoices):
        SEARCHING = "searching", _("Searching")
        STOPPED = "stopped", _("Membership stopped, still searching")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        FOUND = "found", _("Found and back in contact")
        RESTORED = "restored", _("Membership restored")
        REMOVED = "removed", _("Removed")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="lost_contact_cases"
    )
    flagged_on = models.DateField(_("flagged on"))
    basis = models.CharField(_("basis"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SEARCHING)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("lost-contact case")
        verbose_name_plural = _("lost-contact cases")
        ordering = ["-flagged_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=~models.Q(state="closed"), name="lostcontact_one_open_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(state="closed", closed_on__isnull=False) | ~models.Q(state="closed"),
                name="lostcontact_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.flagged_on}"


class SearchAttempt(models.Model):
    """One attempt to reach a lost-contact member: a call, a visit, asking the employer …"""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call or message")
        VISIT = "visit", _("Home or workplace visit")
        EMPLOYER = "employer", _("Asked the employer or platform")
        HOME_ORG = "home_org", _("Asked the home organisation or family")
        OTHER = "other", _("Other")

    case = models.ForeignKey(LostContactCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attempts")
    on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    result = models.CharField(_("result"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("search attempt")
        verbose_name_plural = _("search attempts")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.on}"


class FlowRecord(models.Model):
    """A flowing member's time away (流动党员, DOMAIN §3.3): out of the home organisation (流出地),
    or into a destination (流入地) while the relationship stays at home. They join life and may pay
    dues at the destination but vote at home; they report home at least once a year."""

    class Direction(models.TextChoices):
        OUT = "out", _("Outflow (registered by the home organisation)")
        IN = "in", _("Inflow (registered by the destination)")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="flows")
    direction = models.CharField(_("registered as"), max_length=3, choices=Direction.choices)
    card_no = models.CharField(_("flowing-member card number"), max_length=20, unique=True)
    destination = models.CharField(_("destination"), max_length=120)
    dest_org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation at the destination"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inflows",
    )
    reason = models.CharField(_("reason"), max_length=200)
    left_on = models.DateField(_("left on"))
    expected_return = models.DateField(_("expected return"), null=True, blank=True)
    pays_dues_at_destination = models.BooleanField(_("pays dues at the destination"), default=False)
    last_report_on = models.DateField(_("last report home"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("flowing-member record")
        verbose_name_plural = _("flowing-member records")
        ordering = ["-left_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(ended_on__isnull=True), name="flow_one_active_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(expected_return__isnull=True) | models.Q(expected_return__gte=models.F("left_on")),
                name="flow_return_after_leaving",
            ),
        ]
        indexes = [models.Index(fields=["destination"], name="flow_destination_idx")]

    def __str__(self) -> str:
        return f"{self.member} → {self.destination}"


class FlowReport(models.Model):
    """A flowing member's report home (at least yearly): life joined, dues, changes of place,
    employer or phone."""

    record = models.ForeignKey(FlowRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="reports")
    on = models.DateField(_("date"))
    content = models.TextField(_("report"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("flowing-member report")
        verbose_name_plural = _("flowing-member reports")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.record} · {self.on}"


class RegistrationLead(models.Model):
    """A worker's self-registration through an organisation's registration QR (双向寻找): a known
    member (matched by the ID blind index) becomes an inflow once a secretary confirms; an unknown
    one is a "pocket member" lead (口袋党员) for the organisation department to verify. The form is
    anonymous, so nothing here changes a member record without a secretary's decision."""

    class State(models.TextChoices):
        NEW = "new", _("Waiting for the secretary")
        INFLOW = "inflow", _("Confirmed: registered as an inflow")
        VERIFIED = "verified", _("Verified as a pocket member")
        REJECTED = "rejected", _("Rejected")

    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("registered at"),
        on_delete=models.PROTECT,
        related_name="registration_leads",
    )
    name = models.CharField(_("name"), max_length=50)
    id_number_enc = models.TextField(_("ID card number (encrypted)"))
    id_number_bidx = models.CharField(_("ID card number index"), max_length=100, db_index=True)
    id_number_masked = models.CharField(_("ID card number"), max_length=18)
    mobile_enc = models.TextField(_("mobile number (encrypted)"))
    mobile_bidx = models.CharField(_("mobile number index"), max_length=100, db_index=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11)
    home_org_text = models.CharField(_("home organisation"), max_length=120)
    home_org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("home organisation picked from the tree"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    employer_text = models.CharField(_("employer"), max_length=120, blank=True, default="")
    work_area = models.CharField(_("work area"), max_length=100, blank=True, default="")
    consent_text = models.CharField(_("consent given"), max_length=300)
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    matched_member = models.ForeignKey(
        Member,
        verbose_name=_("matching member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration_leads",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("self-registration")
        verbose_name_plural = _("self-registrations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} · {self.org}"
