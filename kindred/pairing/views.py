import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.forms import add_errors, posted_id, search_text
from kindred.matching import ProblemError, parse_problem, score_matrix
from kindred.pairing import criteria as crit
from kindred.pairing import selectors, services
from kindred.pairing.forms import CriterionForm, RunForm, SettingsForm
from kindred.pairing.models import Criterion, Exclusion, Proposal, RunStatus
from kindred.pairing.problem import build_problem, registration_id
from kindred.programs.models import Structure
from kindred.programs.pages import program_context, staff_program
from kindred.registration.models import Registration, RegistrationStatus

EMAIL_MAX_LENGTH = 254  # no address is longer (RFC 5321); a longer text matches nobody anyway


@login_required
def criteria(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Set up the pairing algorithm: settings, weighted criteria, and a live preview."""
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    settings = crit.settings_for(program)
    form = SettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        try:
            crit.settings_save(settings=form.save(commit=False))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Pairing settings saved.")
            return redirect("pairing:criteria", org_slug, program_slug)
    items = list(
        Criterion.objects.filter(program=program).select_related("mentee_question", "mentor_question")
    )
    try:
        reach = selectors.program_reach(program)
        preview_error = ""
    except ProblemError as exc:
        reach, preview_error = None, str(exc)
    without_ids = [int(i[1:]) for i in reach.without_mentor] if reach else []
    without = list(Registration.objects.filter(pk__in=without_ids[:20]).select_related("user"))
    peak = max(reach.histogram) if reach and reach.histogram else 0
    return render(
        request,
        "pairing/criteria.html",
        program_context(
            pa,
            form=form,
            criteria=items,
            reach=reach,
            without=without,
            without_count=len(without_ids),
            peak=peak,
            preview_error=preview_error,
            criterion_form=CriterionForm(program=program),
            exclusions=Exclusion.objects.filter(program=program).select_related(
                "mentee__user", "mentor__user"
            )[:50],
        ),
        status=400 if form.errors else 200,
    )


@login_required
def criterion_edit(
    request: AuthedRequest, org_slug: str, program_slug: str, criterion_id: int | None = None
) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    instance = (
        get_object_or_404(Criterion, pk=criterion_id, program=pa.program)
        if criterion_id
        else Criterion(program=pa.program)
    )
    form = CriterionForm(request.POST or None, instance=instance, program=pa.program)
    if request.method == "POST":
        if request.POST.get("action") == "delete" and instance.pk:
            crit.criterion_delete(criterion=instance)
            messages.success(request, "Criterion removed.")
            return redirect("pairing:criteria", org_slug, program_slug)
        if form.is_valid():
            try:
                crit.criterion_save(criterion=form.save(commit=False))
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Criterion saved.")
                return redirect("pairing:criteria", org_slug, program_slug)
    return render(
        request,
        "pairing/criterion_form.html",
        program_context(pa, form=form, criterion=instance),
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def exclusions(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Add or remove an administrator's "never pair" pair, found by the two people's emails."""
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    if request.POST.get("remove"):
        get_object_or_404(Exclusion, pk=posted_id(request.POST["remove"]), program=program).delete()
        messages.success(request, "They can be paired again.")
        return redirect(reverse("pairing:criteria", args=[org_slug, program_slug]) + "#never")
    found: dict[str, Registration] = {}
    for side in ("mentee", "mentor"):
        email = request.POST.get(side, "").strip()[:EMAIL_MAX_LENGTH]
        person = Registration.objects.filter(
            program=program, status=RegistrationStatus.SUBMITTED, user__email__iexact=email
        ).first()
        if person is not None:
            found[side] = person
        else:
            messages.error(request, f"Nobody registered in {program.name} with the email “{email}”.")
            return redirect(reverse("pairing:criteria", args=[org_slug, program_slug]) + "#never")
    try:
        services.exclusion_add(
            program=program,
            mentee=found["mentee"],
            mentor=found["mentor"],
            by=request.user,
            reason=request.POST.get("reason", "")[:200],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "They will never be proposed together.")
    return redirect(reverse("pairing:criteria", args=[org_slug, program_slug]) + "#never")


@require_POST
@login_required
def criteria_defaults(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    made = crit.criteria_reset_to_defaults(program=pa.program)
    if made:
        messages.success(
            request,
            f"{len(made)} criteria set from the defaults for "
            f"{pa.program.get_structure_display().lower()} programs.",
        )
    else:
        messages.warning(
            request,
            "No default applies: add pool questions (seniority, skills, goals…) to the questionnaire first.",
        )
    return redirect("pairing:criteria", org_slug, program_slug)


@login_required
def review(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Review pairing: run matching, then lock, remove, assign and publish proposals."""
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    run = selectors.latest_run(program)
    proposals = list(selectors.proposals_of(program))
    for p in proposals:
        p.top_reasons = sorted((r for r in p.reasons if r.get("points")), key=lambda r: -r["points"])[:3]  # type: ignore[attr-defined]
    load = selectors.mentor_load(program)
    unmatched = []
    if run and run.status == RunStatus.DONE and run.stats.get("unmatched") and services.pairing_open(program):
        ids = [int(i[1:]) for i in run.stats["unmatched"]]
        proposed = {p.mentee_id for p in proposals}
        regs = Registration.objects.select_related("user").in_bulk(
            [i for i in ids if i not in proposed][:200]
        )
        reach_counts = {}
        with contextlib.suppress(ProblemError):
            reach_counts = selectors.program_reach(program).allowed
        for pk, reg in regs.items():
            n = reach_counts.get(registration_id(pk), 0)
            if n == 0:
                reason = "No mentor passes the must-haves."
            elif n == 1:
                reason = "The only suitable mentor is full."
            else:
                reason = f"All {n} suitable mentors are full."
            unmatched.append((reg, reason))
    return render(
        request,
        "pairing/review.html",
        program_context(
            pa,
            run=run,
            proposals=proposals,
            load=load,
            unmatched=unmatched,
            run_form=RunForm(initial={"objective": crit.settings_for(program).objective}),
            counts=services.proposal_counts(program),
            flash=program.structure == Structure.FLASH,
            ended=not services.pairing_open(program),
            mentorships=selectors.mentorships_of(program)[:50],
            mentorship_count=selectors.mentorships_of(program).count(),
        ),
    )


@require_POST
@login_required
def run_start(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            services.match_run_start(
                program=pa.program, by=request.user, objective=form.cleaned_data["objective"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "Matching is running in the background; this page updates when it's done."
            )
    return redirect("pairing:review", org_slug, program_slug)


@login_required
def run_status(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    run = selectors.latest_run(pa.program)
    if run is None:
        return JsonResponse({"detail": "No run yet.", "errors": []}, status=404)
    return JsonResponse(
        {"status": run.status, "progress": run.progress, "step": run.step, "error": run.error}
    )


@require_POST
@login_required
def proposal_action(
    request: AuthedRequest, org_slug: str, program_slug: str, proposal_id: int
) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    proposal = get_object_or_404(Proposal, pk=proposal_id, program=pa.program)
    action = request.POST.get("action")
    if action in ("lock", "unlock"):
        services.proposal_lock(proposal=proposal, locked=action == "lock")
    elif action == "remove":
        services.proposal_remove(proposal=proposal)
    elif action == "never":
        services.exclusion_add(
            program=pa.program,
            mentee=proposal.mentee,
            mentor=proposal.mentor,
            by=request.user,
            reason="Removed in review",
        )
        messages.success(request, "They will never be proposed together again.")
    return redirect(reverse("pairing:review", args=[org_slug, program_slug]) + "#proposals")


@login_required
def assign(request: AuthedRequest, org_slug: str, program_slug: str, registration_id_: int) -> HttpResponse:
    """Assign a mentor by hand: candidates ranked by score, with capacity and must-have warnings."""
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    mentee = get_object_or_404(
        Registration.objects.select_related("user"),
        pk=registration_id_,
        program=program,
        status=RegistrationStatus.SUBMITTED,
    )
    if request.method == "POST":
        mentor = get_object_or_404(Registration, pk=posted_id(request.POST.get("mentor")), program=program)
        try:
            services.proposal_assign(program=program, mentee=mentee, mentor=mentor)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{mentor.user.display_name} is proposed for {mentee.user.display_name} (locked)."
            )
            return redirect("pairing:review", org_slug, program_slug)
    built = build_problem(program)
    data = built.data
    query = search_text(request.GET).lower()
    mentee_key = registration_id(mentee.pk)
    candidates: list[dict[str, Any]] = []
    if data.get("mode") == "mentoring":
        data = {
            **data,
            "mentees": [m for m in data["mentees"] if m["id"] == mentee_key],
            "exclude": [],
            "min_score": 0,
        }
        relaxed = {
            **data,
            "criteria": [{**c, "weight": 0} if c["weight"] == "must" else c for c in data["criteria"]],
        }
        try:
            strict = score_matrix(parse_problem(data)) if data["mentees"] else None
            loose = score_matrix(parse_problem(relaxed)) if data["mentees"] else None
        except ProblemError:
            strict = loose = None
        load = selectors.mentor_load(program)
        if strict is not None and loose is not None:
            for j, person in enumerate(strict.problem.mentors):
                reg = built.registrations[person.id]
                if (
                    query
                    and query not in reg.user.display_name.lower()
                    and query not in reg.user.email.lower()
                ):
                    continue
                score = strict.score(0, j)
                candidates.append(
                    {
                        "registration": reg,
                        "score": score if score is not None else loose.score(0, j),
                        "fails_must": score is None,
                        "load": load.get(reg.pk, 0),
                        "full": load.get(reg.pk, 0) >= reg.capacity,
                    }
                )
        candidates.sort(key=lambda c: (c["fails_must"], -(c["score"] or 0)))
    return render(
        request,
        "pairing/assign.html",
        program_context(pa, mentee=mentee, candidates=candidates[:50], query=query),
    )


@require_POST
@login_required
def publish(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    try:
        made, dropped = services.proposals_publish(program=pa.program, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Published {len(made)} mentorship{'s' if len(made) != 1 else ''}; "
            "introductions are on their way."
            + (
                f" {dropped} proposal{'s' if dropped != 1 else ''} no longer held and were dropped."
                if dropped
                else ""
            ),
        )
    return redirect("pairing:review", org_slug, program_slug)
