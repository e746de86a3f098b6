import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.forms import add_errors
from kindred.orgs.access import OrgAccess
from kindred.orgs.decorators import org_view
from kindred.orgs.models import Organization
from kindred.programs import services
from kindred.programs.access import get_program_for
from kindred.programs.checklist import checklist_for
from kindred.programs.forms import ProgramForm, StatusForm
from kindred.programs.models import Enrollment, Program, Status
from kindred.programs.pages import staff_program
from kindred.programs.selectors import admin_dashboard, participant_home, program_counts
from kindred.worker.selectors import worker_trouble


@org_view()
def dashboard(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    """The organization's home: the admin dashboard for staff, "my programs" for everyone else."""
    org = access.organization
    if access.can_manage_programs and request.GET.get("view") != "participant":
        return render(
            request,
            "programs/dashboard.html",
            {
                "access": access,
                "organization": org,
                "rows": admin_dashboard(org),
                "worker_trouble": worker_trouble(),
            },
        )
    rows = participant_home(org, request.user)
    return render(
        request,
        "programs/participant_home.html",
        {
            "access": access,
            "organization": org,
            "rows": rows,
            "mine": [r for r in rows if r.role],
            "open": [r for r in rows if not r.role],
        },
    )


@org_view(need="staff")
def program_create(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(
                organization=access.organization,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, f"{program.name} is created as a draft. Work through the checklist to launch it."
            )
            if warning := form.duration_warning():
                messages.warning(request, warning)
            return redirect(program.get_absolute_url())
    return render(
        request, "programs/form.html", {"access": access, "organization": access.organization, "form": form}
    )


@login_required
def program_detail(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    context = {
        "access": pa.org,
        "organization": program.organization,
        "program": program,
        "checklist": checklist_for(program),
        "moves": [Status(s) for s in services.allowed_moves(program)],
        "history": program.status_changes.select_related("by")[:20],
        "counts": program_counts(program),
    }
    return render(request, "programs/detail.html", context)


@login_required
def program_edit(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(program=program, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Program saved.")
            if warning := form.duration_warning():
                messages.warning(request, warning)
            return redirect(program.get_absolute_url())
    if form.errors:
        program.refresh_from_db()
    return render(
        request,
        "programs/form.html",
        {"access": pa.org, "organization": program.organization, "program": program, "form": form},
    )


@require_POST
@login_required
def program_status(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = staff_program(request, org_slug, program_slug).program
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose where the program should move.")
    else:
        try:
            program = services.program_change_status(
                program=program, to=form.cleaned_data["to"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{program.name} is now {program.get_status_display().lower()}.")
    return redirect(program.get_absolute_url() + "#lifecycle")


def _public_page(request: AuthedRequest, organization: Organization, program_slug: str) -> HttpResponse:
    program = Program.objects.filter(organization=organization, slug=program_slug).first()
    if program is None:
        raise Http404
    if program.status == Status.DRAFT:
        # A draft is visible to the organization's staff only, as a preview.
        try:
            pa = get_program_for(request.user, organization.slug, program_slug, need="staff")
        except PermissionDenied as exc:
            raise Http404 from exc
        program = pa.program
    program.organization = organization
    request.brand = organization  # type: ignore[attr-defined]
    is_open, _ = program.registration_window()
    # Through the reverse relation name: this app does not import registration.
    registered = request.user.is_authenticated and (
        Program.objects.filter(
            pk=program.pk, registrations__user=request.user, registrations__status="submitted"
        ).exists()
    )
    return render(
        request,
        "programs/public.html",
        {
            "organization": organization,
            "program": program,
            "registered": registered,
            "registration_open": is_open,
            "registration_note": _registration_note(program, is_open),
        },
    )


def _registration_note(program: Program, is_open: bool) -> str:
    """The landing page's sentence about registration, true on the day it is read."""
    today = timezone.localdate()
    opens, closes = program.registration_opens_on, program.registration_closes_on
    if is_open:
        if program.enrollment == Enrollment.OPEN and program.status != Status.REGISTRATION:
            return "Registration is open: join at any time."
        return f"Registration is open until {_day(closes)}." if closes else "Registration is open."
    if program.status in (Status.DRAFT, Status.REGISTRATION) and opens and today < opens:
        return f"Registration opens on {_day(opens)}."
    if program.status == Status.DRAFT:
        return "Registration has not opened yet."
    if closes and closes < today:
        return f"Registration closed on {_day(closes)}."
    return "Registration is closed."


def _day(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day:%Y}"


def program_public(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """The program's clean participant URL, /o/<org>/p/<program>/ (public unless a draft)."""
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        raise Http404
    return _public_page(request, organization, program_slug)


def host_program_public(request: AuthedRequest, program_slug: str) -> HttpResponse:
    """The same page on the organization's custom domain: https://<domain>/p/<program>/."""
    organization = request.host_organization  # type: ignore[attr-defined]
    if not organization:
        raise Http404
    return _public_page(request, organization, program_slug)


def host_index(request: AuthedRequest) -> HttpResponse:
    """The custom domain's front page: the organization's programs open to participants."""
    organization = request.host_organization  # type: ignore[attr-defined]
    if not organization:
        raise Http404
    request.brand = organization  # type: ignore[attr-defined]
    programs = Program.objects.filter(
        organization=organization, status__in=[Status.REGISTRATION, Status.PAIRING, Status.RUNNING]
    ).order_by("-starts_on", "name")
    return render(request, "programs/host_index.html", {"organization": organization, "programs": programs})
