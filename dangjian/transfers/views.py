"""Pages: the to-do list and history, issuing, the two-sided decision, the letter, public check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import ratelimit, scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import page_of, run_service
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member

from . import api, letter, rules, selectors, services
from .choices import TransferStatus
from .forms import IssueForm, ReceiptForm, ReissueForm, RejectForm, VerifyForm


@login_required
def transfer_list(request):
    scope.require_action(request.user, "transfer.view")
    direction = request.GET.get("direction", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    candidates = []
    if q and scope.has_action(request.user, "transfer.issue"):
        candidates = list(
            scope.restrict(request.user, "transfer.issue", member_selectors.member_list(request.user, q=q))[:20]
        )
    return render(
        request,
        "transfers/list.html",
        {
            "todo": selectors.todo(request.user),
            "page": page_of(
                request,
                selectors.transfer_list(
                    request.user, direction=direction if direction in selectors.DIRECTIONS else "", status=status
                ),
            ),
            "direction": direction,
            "status": status,
            "statuses": TransferStatus,
            "q": q,
            "candidates": candidates,
            "can_issue": scope.has_action(request.user, "transfer.issue"),
        },
    )


@login_required
def transfer_issue(request, member_pk):
    member = scope.get_in_scope(request.user, "member.view", Member, pk=member_pk)
    scope.require(request.user, "transfer.issue", member)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)

        def issue():
            return services.transfer_issue(
                actor=request.user, member=member, target_org=api.target_by_code(data.pop("target_org_code")), **data
            )

        transfer = run_service(form, issue)
        if transfer is not None:
            messages.success(request, _("The transfer was issued. Print the letter if the member carries it."))
            return redirect("transfers:detail", pk=transfer.pk)
    history = list(member.transfers.select_related("source_org", "target_org").order_by("-issued_on", "-id"))
    return render(request, "transfers/issue.html", {"form": form, "member": member, "history": history})


@login_required
def transfer_detail(request, pk):
    transfer = selectors.transfer_get(request.user, pk)
    user = request.user
    pending = transfer.status == TransferStatus.PENDING
    target_side = transfer.target_org is not None and scope.can(user, "transfer.accept", transfer.target_org)
    source_side = scope.can(user, "transfer.issue", transfer.source_org)
    chain = []
    previous = transfer.reissue_of
    while previous is not None:
        chain.append(previous)
        previous = previous.reissue_of
    return render(
        request,
        "transfers/detail.html",
        {
            "t": transfer,
            "chain": chain,
            "code": rules.format_code(transfer.verify_code),
            "can_decide": pending and target_side and not transfer.expired,
            "can_reissue": pending and source_side and transfer.expired,
            "can_receipt": pending and source_side and transfer.target_org_id is None,
            "reject_form": RejectForm(),
            "reissue_form": ReissueForm(),
            "receipt_form": ReceiptForm(),
        },
    )


@login_required
def letter_pdf(request, pk):
    transfer = selectors.transfer_get(request.user, pk)
    url = request.build_absolute_uri(reverse("transfers:verify")) + f"?code={transfer.verify_code}"
    response = HttpResponse(letter.render(transfer, url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transfer-{transfer.letter_number}.pdf"'
    return response


def _post_action(request, pk, form_class, call, done: str):
    transfer = selectors.transfer_get(request.user, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("transfers:detail", pk=pk)
    try:
        result = call(transfer, form.cleaned_data if form else {})
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("transfers:detail", pk=pk)
    messages.success(request, done)
    return redirect("transfers:detail", pk=result.pk)


@login_required
@require_POST
def transfer_accept(request, pk):
    return _post_action(
        request,
        pk,
        None,
        lambda t, d: services.transfer_accept(actor=request.user, transfer=t),
        _("Accepted: the member now belongs to your organisation."),
    )


@login_required
@require_POST
def transfer_reject(request, pk):
    return _post_action(
        request,
        pk,
        RejectForm,
        lambda t, d: services.transfer_reject(actor=request.user, transfer=t, **d),
        _("Rejected. The issuing organisation sees your reason."),
    )


@login_required
@require_POST
def transfer_reissue(request, pk):
    return _post_action(
        request,
        pk,
        ReissueForm,
        lambda t, d: services.transfer_reissue(actor=request.user, transfer=t, **d),
        _("A new letter was issued; the expired one no longer verifies."),
    )


@login_required
@require_POST
def transfer_receipt(request, pk):
    return _post_action(
        request,
        pk,
        ReceiptForm,
        lambda t, d: services.transfer_register_receipt(actor=request.user, transfer=t, **d),
        _("The receipt was registered; the transfer is complete."),
    )


@login_required
def my_transfers(request):
    return render(request, "transfers/me.html", {"transfers": selectors.my_transfers(request.user)})


def verify(request):
    """Public: anyone holding a letter checks its code; only masked data is shown."""
    form = VerifyForm(request.GET or None)
    result = None
    if form.is_valid():
        ratelimit.check("transfer_verify", request)
        result = api.verify_out(selectors.verify(form.cleaned_data["code"]))
    return render(request, "transfers/verify.html", {"form": form, "result": result})
