"""Participant access, invitations and their emails: who may register, the invitation list,
and the editable invitation and reminder emails with their preview."""

from csp.decorators import csp_replace, csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.forms import add_errors
from kindred.orgs.selectors import absolute_url
from kindred.programs.access import ProgramAccess
from kindred.programs.pages import program_context, staff_program
from kindred.registration import invitations as inv
from kindred.registration import services
from kindred.registration.forms import (
    ACCESS_HELP,
    AccessForm,
    EmailTemplatesForm,
    InviteForm,
)
from kindred.registration.models import (
    InvitationStatus,
    ProgramInvitation,
)

# -- participant access, invitations and emails -----------------------------------------------------


@login_required
def access(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    setup = services.setup_for(pa.program)
    form = AccessForm(request.POST or None, instance=setup)
    invite_form = InviteForm()
    if request.method == "POST" and form.is_valid():
        services.setup_save(setup=form.save(commit=False), reviewed="access")
        messages.success(request, "Participant access saved.")
        return redirect("registration:access", org_slug, program_slug)
    return _access_page(request, pa, form, invite_form)


def _access_page(
    request: AuthedRequest, pa: ProgramAccess, form: AccessForm, invite_form: InviteForm, status: int = 200
) -> HttpResponse:
    invitations = ProgramInvitation.objects.filter(program=pa.program)
    status_filter = request.GET.get("status", "")
    if status_filter not in InvitationStatus.values:
        status_filter = ""
    if status_filter:
        invitations = invitations.filter(status=status_filter)
    page = Paginator(invitations.order_by("-created_at", "email"), 25).get_page(request.GET.get("page"))
    share = request.build_absolute_uri(pa.program.get_participant_url())
    return render(
        request,
        "registration/access.html",
        program_context(
            pa,
            form=form,
            invite_form=invite_form,
            page=page,
            counts=inv.invitation_counts(pa.program),
            access_help=ACCESS_HELP,
            share_url=share,
            status_filter=status_filter,
        ),
        status=status,
    )


@require_POST
@login_required
def invite(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    setup = services.setup_for(pa.program)
    form = InviteForm(request.POST, request.FILES)
    if form.is_valid():
        valid, invalid = inv.parse_emails(form.cleaned_data["text"])
        if invalid:
            form.add_error(
                "emails",
                "Not email addresses: " + ", ".join(invalid[:10]) + (" …" if len(invalid) > 10 else ""),
            )
        elif not valid:
            form.add_error("emails", "No email address found.")
        else:
            try:
                n = inv.invitations_add(program=pa.program, emails=valid)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                skipped = len(valid) - n
                messages.success(
                    request,
                    f"{n} invitation{'s' if n != 1 else ''} queued; the worker sends them in batches."
                    + (f" {skipped} already invited." if skipped else ""),
                )
                return redirect("registration:access", org_slug, program_slug)
    return _access_page(request, pa, AccessForm(instance=setup), form, status=400)


@require_POST
@login_required
def resend(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    try:
        n = inv.invitations_resend(program=pa.program)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{n} invitation{'s' if n != 1 else ''} queued again.")
    return redirect("registration:access", org_slug, program_slug)


@require_POST
@login_required
def remind(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    try:
        n = inv.invitations_remind(program=pa.program)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registration:access", org_slug, program_slug)
    messages.success(
        request,
        f"A reminder goes to {n} people who have not registered."
        if n
        else "Everyone invited has registered or has a reminder on its way.",
    )
    return redirect("registration:access", org_slug, program_slug)


@login_required
def emails(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    setup = services.setup_for(pa.program)
    form = EmailTemplatesForm(request.POST or None, instance=setup)
    if request.method == "POST" and form.is_valid():
        for name in form.fields:
            try:
                inv.check_template(form.cleaned_data[name])
            except ValidationError as exc:
                form.add_error(name, exc)
        if not form.errors:
            services.setup_save(setup=form.save(commit=False), reviewed="emails")
            if request.POST.get("action") in ("test", "test_reminder"):
                inv.invitation_test_send(
                    program=pa.program, user=request.user, reminder=request.POST["action"] == "test_reminder"
                )
                messages.success(request, f"Saved, and a test email is on its way to {request.user.email}.")
            else:
                messages.success(request, "Email templates saved.")
            return redirect("registration:emails", org_slug, program_slug)
    shown = form.instance if not form.errors else services.setup_for(pa.program)
    link = request.build_absolute_uri(pa.program.get_participant_url())
    preview_url = reverse("registration:email_preview", args=[org_slug, program_slug])
    previews = [
        (
            title,
            inv.render_invitation(pa.program, shown, link=link, name=request.user.name, reminder=reminder),
            preview_url + ("?reminder=1" if reminder else ""),
        )
        for title, reminder in (("Invitation", False), ("Reminder", True))
    ]
    return render(
        request,
        "registration/emails.html",
        program_context(
            pa, form=form, previews=previews, placeholders=["{" + p + "}" for p in inv.PLACEHOLDERS]
        ),
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@xframe_options_sameorigin
def email_preview(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponseBase:
    """The saved invitation (`?reminder=1`: the reminder) as its recipients see it, for the frame on
    the emails page. Email HTML needs inline styles, which the site's policy forbids (and a srcdoc
    frame would inherit that policy), so the preview is a page of its own: framed only by our own
    pages, sandboxed, scripts still off."""
    pa = staff_program(request, org_slug, program_slug)
    link = request.build_absolute_uri(pa.program.get_participant_url())
    message = inv.render_invitation(
        pa.program,
        services.setup_for(pa.program),
        link=link,
        name=request.user.name,
        reminder=request.GET.get("reminder") == "1",
    )
    # Emails show the logo from the site's public address, which need not be this page's origin.
    email_origin = absolute_url("/", pa.program.organization)

    @csp_replace({"style-src": ["'unsafe-inline'"], "frame-ancestors": ["'self'"], "sandbox": True})
    @csp_update({"img-src": [email_origin]})
    def preview(_: HttpRequest) -> HttpResponse:
        return HttpResponse(message.alternatives[0][0])

    return preview(request)
