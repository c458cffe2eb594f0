"""Pages: the ledger of a subtree (with Excel export, the monthly run and handovers), arrears,
reliefs awaiting approval, a member's dues account, the member's own dues, the sandbox checkout."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import DomainError, NotFoundError
from dangjian.core.forms import page_of, run_service
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import excel, online, reminders, rules, selectors, services
from .api import parse_month
from .choices import ReliefStatus
from .forms import (
    AssessForm,
    DeclarationForm,
    HandoverForm,
    OrderForm,
    PaymentForm,
    RefundForm,
    ReliefForm,
    RevealForm,
    ScheduleForm,
    new_key,
)
from .gateway import SandboxGateway
from .models import DuesDeclaration, DuesPayment, DuesRelief, RateSchedule


def _month(request):
    try:
        return parse_month(request.GET.get("month", ""))
    except DomainError:
        return services.current_month()


def _under(request, action="dues.view"):
    raw = request.GET.get("under", "")
    return scope.get_in_scope(request.user, action, PartyOrganisation, pk=raw) if raw.isdigit() else None


@login_required
def ledger(request):
    month, under = _month(request), _under(request)  # an organisation outside the scope is a 404
    scope.require_action(request.user, "dues.view")
    rows = selectors.ledger_rows(request.user, month=month, under=under)
    return render(
        request,
        "dues/ledger.html",
        {
            "month": month,
            "under": under,
            "page": page_of(request, rows, per_page=50),
            "totals": selectors.ledger_totals(rows),
            "assess_form": AssessForm(initial={"month": month}),
            "can_manage": under is not None and scope.can(request.user, "dues.manage", under),
            "query": urlencode(
                {k: v for k, v in {"month": f"{month:%Y-%m}", "under": under.pk if under else ""}.items() if v}
            ),
        },
    )


@login_required
def ledger_export(request):
    month, under = _month(request), _under(request)  # an organisation outside the scope is a 404
    scope.require_action(request.user, "dues.view")
    rows = selectors.ledger_rows(request.user, month=month, under=under)
    response = HttpResponse(
        excel.ledger_workbook(rows, month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dues-ledger-{month:%Y-%m}.xlsx"'
    return response


@login_required
@require_POST
def assess(request):
    under = scope.get_in_scope(request.user, "dues.view", PartyOrganisation, pk=request.POST.get("under") or 0)
    scope.require(request.user, "dues.manage", under)
    form = AssessForm(request.POST)
    if form.is_valid():
        count = run_service(
            form, lambda: services.assessment_run(actor=request.user, month=form.cleaned_data["month"], org=under)
        )
        if count is not None:
            messages.success(request, _("%(n)d members were assessed.") % {"n": count})
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return redirect(f"/dues/?under={under.pk}" + (f"&month={month:%Y-%m}" if month else ""))


@login_required
def handover(request, org_id):
    org = scope.get_in_scope(request.user, "dues.view", PartyOrganisation, pk=org_id)
    scope.require(request.user, "dues.manage", org)
    form = HandoverForm(request.POST or None, initial={"month": services.current_month()})
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: services.handover_record(actor=request.user, org=org, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("The handover was recorded."))
            return redirect(f"/dues/?under={org.pk}&month={done.month:%Y-%m}")
    return render(request, "dues/handover.html", {"form": form, "org": org})


@login_required
def arrears(request):
    under = _under(request)
    scope.require_action(request.user, "dues.view")
    as_of = _month(request)
    alert_only = request.GET.get("alert") == "1"
    rows = selectors.arrears_list(request.user, as_of=as_of, under=under, alert_only=alert_only)
    return render(
        request,
        "dues/arrears.html",
        {
            "page": page_of(request, rows, per_page=50),
            "month": as_of,
            "under": under,
            "alert_only": alert_only,
            "can_remind": scope.has_action(request.user, "dues.manage"),
            "query": urlencode(
                {
                    k: v
                    for k, v in {
                        "month": f"{as_of:%Y-%m}",
                        "under": under.pk if under else "",
                        "alert": "1" if alert_only else "",
                    }.items()
                    if v
                }
            ),
        },
    )


@login_required
@require_POST
def arrears_remind(request):
    """The secretary sends this month's reminders now (members already reminded are skipped)."""
    under = _under(request, "dues.manage") if request.GET.get("under") else None
    if under is None:
        scope.require_action(request.user, "dues.manage")
        paths = scope.scope_for(request.user, "dues.manage").paths
        orgs = list(PartyOrganisation.objects.filter(path__in=paths).order_by("path"))
    else:
        orgs = [under]
    totals = {"reminded": 0, "alerted": 0}
    for org in orgs:
        done = reminders.arrears_remind(actor=request.user, org=org)
        totals["reminded"] += done["reminded"]
        totals["alerted"] += done["alerted"]
    if totals["reminded"] or totals["alerted"]:
        messages.success(
            request,
            _(
                "Reminders sent to %(reminded)d members; the branch secretary was alerted about %(alerted)d "
                "members unpaid for six months or more."
            )
            % totals,
        )
    else:
        messages.info(request, _("No reminder was sent: everyone in arrears was already reminded this month."))
    query = urlencode({"under": under.pk} if under else {})
    return redirect(reverse("dues:arrears") + (f"?{query}" if query else ""))


@login_required
def reliefs(request):
    scope.require_action(request.user, "dues.view")
    if request.method == "POST":
        relief = scope.get_in_scope(request.user, "dues.view", DuesRelief, pk=request.POST.get("relief") or 0)
        try:
            services.relief_decide(actor=request.user, relief=relief, approve=request.POST.get("approve") == "1")
            messages.success(request, _("The decision was recorded."))
        except DomainError as exc:
            if isinstance(exc, NotFoundError) and not scope.can(request.user, "dues.view", relief):
                raise
            messages.error(request, exc.message)
        return redirect("dues:reliefs")
    pending = (
        scope.restrict(request.user, "dues.view", model=DuesRelief)
        .filter(status=ReliefStatus.PENDING)
        .select_related("member__org", "requested_by")
        .order_by("created_at", "id")
    )
    return render(request, "dues/reliefs.html", {"page": page_of(request, pending)})


def _forms(post=None, action=""):
    """The member page's forms; only the one that was submitted is bound."""
    bound = {name: (post if action == name else None) for name in ("declare", "pay", "refund", "relief", "reveal")}
    key = new_key()
    return {
        "declare": DeclarationForm(bound["declare"], initial={"applies_from": services.current_month()}),
        "pay": PaymentForm(bound["pay"], initial={"idempotency_key": key}),
        "refund": RefundForm(bound["refund"], initial={"idempotency_key": new_key()}),
        "relief": ReliefForm(bound["relief"]),
        "reveal": RevealForm(bound["reveal"]),
    }


def _submit(request, member, action, form):
    data = dict(form.cleaned_data)
    actor = request.user
    if action == "declare":
        return services.declaration_record(actor=actor, member=member, **data)
    if action == "pay":
        return services.payment_record(actor=actor, member=member, **data)
    if action == "refund":
        payment = DuesPayment.objects.filter(member=member, pk=data.pop("payment")).first()
        if payment is None:
            raise NotFoundError(_("Not found, or outside the organisations you manage."))
        return services.refund_record(actor=actor, payment=payment, **data)
    if action == "relief":
        return services.relief_request(actor=actor, member=member, **data)
    declaration = DuesDeclaration.objects.filter(member=member, pk=data["declaration"]).first()
    if declaration is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return services.declaration_reveal(actor=actor, declaration=declaration, reason=data["reason"])


DONE = {
    "declare": _("The declaration was recorded."),
    "pay": _("The payment was recorded."),
    "refund": _("The refund was recorded."),
    "relief": _("The relief was recorded; it applies once the higher organisation approves it."),
}


@login_required
def member_account(request, pk):
    member = scope.get_in_scope(request.user, "dues.view", Member, pk=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action:
        scope.require(request.user, "dues.reveal" if action == "reveal" else "dues.manage", member)
    forms = _forms(request.POST if action else None, action)
    if not scope.can(request.user, "dues.back_pay_exception", member):
        del forms["pay"].fields["back_pay_reason"]
    revealed = None
    if action in forms and forms[action].is_valid():
        result = run_service(forms[action], lambda: _submit(request, member, action, forms[action]))
        if result is not None and action == "reveal":
            revealed = {"declaration": forms[action].cleaned_data["declaration"], "base": result}
        elif result is not None:
            messages.success(request, DONE[action])
            return redirect("dues:member", pk=member.pk)
    member = Member.objects.select_related("org").get(pk=member.pk)
    return render(
        request,
        "dues/member.html",
        {
            "member": member,
            "forms": forms,
            "action": action,
            "revealed": revealed,
            "outstanding": selectors.member_outstanding(member),
            "declarations": selectors.member_declarations(member),
            "assessments": selectors.member_assessments(member),
            "payments": selectors.member_payments(member),
            "reliefs": selectors.member_reliefs(member),
            "can_manage": scope.can(request.user, "dues.manage", member),
            "can_reveal": scope.can(request.user, "dues.reveal", member),
        },
    )


@login_required
def my_dues(request):
    """A member's own dues history, and online payment of what is open."""
    member = Member.objects.select_related("org").filter(user=request.user).first()
    form = OrderForm(request.POST or None, initial={"idempotency_key": new_key()})
    if member is not None and request.method == "POST" and form.is_valid():
        order = run_service(form, lambda: online.order_create(actor=request.user, member=member, **form.cleaned_data))
        if order is not None:
            return redirect("dues:sandbox", order_no=order.idempotency_key)
    context = {"member": member, "form": form}
    if member is not None:
        context.update(
            outstanding=selectors.member_outstanding(member),
            assessments=selectors.member_assessments(member),
            payments=selectors.member_payments(member),
        )
    return render(request, "dues/me.html", context)


@login_required
def sandbox_checkout(request, order_no):
    """The sandbox gateway's checkout page: the payer confirms, and the gateway sends its signed
    callback through the same service a real gateway's callback reaches."""
    order = DuesPayment.objects.select_related("member").filter(idempotency_key=order_no, gateway="sandbox").first()
    if order is None or order.member.user_id != request.user.pk:
        raise NotFoundError(_("Unknown order."))
    if request.method == "POST" and order.status == "pending":
        gateway = SandboxGateway()
        body = gateway.callback_body(order.idempotency_key, order.amount, succeeded=request.POST.get("pay") == "1")
        try:
            online.callback_handle(gateway="sandbox", body=body, signature=gateway.sign(body))
            messages.success(request, _("Payment received. Thank you."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("dues:me")
    return render(request, "dues/sandbox.html", {"order": order})


@login_required
def rates(request):
    """The rate schedules per region: the version in force this month and those that start later."""
    scope.require_action(request.user, "dues.view")
    month = services.current_month()
    configurable = {org.path: org for org in _configurable_regions(request.user)}
    return render(
        request,
        "dues/rates.html",
        {
            "regions": selectors.schedules_by_region(request.user, month=month),
            "month": month,
            "configurable": configurable,
        },
    )


def _configurable_regions(user) -> list[PartyOrganisation]:
    """The organisations a user may set rates for: the roots of their scope, and regions below
    them that already have their own rates."""
    if not scope.has_action(user, "dues.configure"):
        return []
    roots = list(scope.scope_for(user, "dues.configure").paths)
    below = [
        path
        for path in RateSchedule.objects.exclude(scope_path="").values_list("scope_path", flat=True).distinct()
        if any(path.startswith(root) for root in roots)
    ]
    return list(PartyOrganisation.objects.filter(path__in=set(roots) | set(below)).order_by("path"))


@login_required
def rate_new(request):
    """Add a version of a region's rates from a month on, starting from the version in force."""
    scope.require_action(request.user, "dues.configure")
    regions = _configurable_regions(request.user)
    chosen = request.POST.get("region") or request.GET.get("region") or (str(regions[0].pk) if regions else "")
    region = next((org for org in regions if str(org.pk) == chosen), regions[0] if regions else None)
    initial = {
        "region": str(region.pk) if region else "",
        "effective_from": rules.add_months(services.current_month(), 1),
    }
    if region is not None and (current := services.schedule_in_force(region, services.current_month())):
        initial.update(ScheduleForm.initial_from(current))
    form = ScheduleForm(request.POST or None, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        org = scope.get_in_scope(request.user, "dues.configure", PartyOrganisation, pk=form.cleaned_data["region"])
        schedule = run_service(
            form, lambda: services.schedule_create(actor=request.user, org=org, **form.service_arguments())
        )
        if schedule is not None:
            messages.success(
                request,
                _("The new rates for %(region)s are in force from %(month)s.")
                % {"region": org.name, "month": f"{schedule.effective_from:%Y-%m}"},
            )
            return redirect("dues:rates")
    return render(
        request,
        "dues/rate_new.html",
        {
            "form": form,
            "region": region,
            "salaried_rows": form.band_rows("salaried"),
            "retiree_rows": form.band_rows("retiree"),
            "fixed_fields": ["student_amount", "unemployed_amount", "subsistence_amount", "farmer_min", "farmer_max"],
        },
    )
