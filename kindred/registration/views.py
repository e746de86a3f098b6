from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.forms import add_errors, posted_id, posted_text, search_text
from kindred.lib.ids import parse_id
from kindred.lib.timezones import time_zone_choices
from kindred.orgs.access import OrgAccess
from kindred.orgs.decorators import org_view
from kindred.orgs.models import Skill, SkillKind
from kindred.programs.access import ProgramAccess, program_view
from kindred.programs.models import Program, Status
from kindred.programs.pages import program_context, staff_program
from kindred.registration import questionnaire as qs
from kindred.registration import services
from kindred.registration.answers import field_name
from kindred.registration.forms import (
    QUESTION_KIND_HELP,
    SKILL_NAME_MAX_LENGTH,
    ImportForm,
    QuestionForm,
    SkillForm,
)
from kindred.registration.models import (
    Answer,
    ParticipantRole,
    ProgramInvitation,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from kindred.registration.pool import POOL
from kindred.registration.selectors import (
    RegistrantFilter,
    current_values,
    registrant_answers,
    registrants,
)

# -- questionnaire builder --------------------------------------------------------------------------


@login_required
def questionnaire(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    questions = list(services.questions_of(program))
    counts = qs.answer_counts(questions)
    present = {q.pool_key for q in questions}
    pool = [p for p in POOL if p.key not in present]
    return render(
        request,
        "registration/questionnaire.html",
        program_context(
            pa,
            questions=questions,
            answer_counts=counts,
            pool=pool,
            import_form=ImportForm(program=program),
            editable=qs.questionnaire_is_editable(program),
        ),
    )


def _builder_write(request: AuthedRequest, pa: ProgramAccess) -> None:
    if not qs.questionnaire_is_editable(pa.program):
        raise PermissionDenied("The questionnaire of a completed program cannot change.")


def _question_form_page(
    request: AuthedRequest, pa: ProgramAccess, form: QuestionForm, question: Question | None
) -> HttpResponse:
    answered = qs.answer_counts([question]).get(question.pk, 0) if question else 0
    return render(
        request,
        "registration/question_form.html",
        program_context(pa, form=form, question=question, kind_help=QUESTION_KIND_HELP, answered=answered),
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def question_new(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    form = QuestionForm(request.POST or None, initial={"section": "Participant profile", "kind": "single"})
    if request.method == "POST":
        _builder_write(request, pa)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            try:
                qs.question_create(program=pa.program, options=[o.label for o in form.option_edits], **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Question added.")
                return redirect("registration:questionnaire", org_slug, program_slug)
    return _question_form_page(request, pa, form, None)


def _question(pa: ProgramAccess, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, program=pa.program)


@login_required
def question_edit(request: AuthedRequest, org_slug: str, program_slug: str, question_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    question = _question(pa, question_id)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST":
        _builder_write(request, pa)
        if form.is_valid():
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in form.fields or not form.fields[k].disabled
            }
            try:
                qs.question_update(question=question, options=form.option_edits, **data)
            except ValidationError as exc:
                question.refresh_from_db()
                add_errors(form, exc)
            else:
                messages.success(request, "Question saved.")
                return redirect("registration:questionnaire", org_slug, program_slug)
    return _question_form_page(request, pa, form, question)


@login_required
def question_delete(
    request: AuthedRequest, org_slug: str, program_slug: str, question_id: int
) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    question = _question(pa, question_id)
    answered = Answer.objects.filter(question=question).values("registration_id").distinct().count()
    criteria = qs.criteria_using(question)
    if request.method == "POST":
        _builder_write(request, pa)
        try:
            qs.question_delete(question=question, confirm_answers=request.POST.get("confirm") == "yes")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "Question deleted." + (f" {answered} answers went with it." if answered else "")
            )
        return redirect("registration:questionnaire", org_slug, program_slug)
    return render(
        request,
        "registration/question_delete.html",
        program_context(pa, question=question, answered=answered, criteria=criteria),
    )


@require_POST
@login_required
def question_move(request: AuthedRequest, org_slug: str, program_slug: str, question_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    _builder_write(request, pa)
    question = _question(pa, question_id)
    qs.question_move(question=question, direction="up" if request.POST.get("direction") == "up" else "down")
    return redirect(
        reverse("registration:questionnaire", args=[org_slug, program_slug]) + f"#question-{question.pk}"
    )


@require_POST
@login_required
def questions_reorder(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Drag and drop posts the whole new order."""
    pa = staff_program(request, org_slug, program_slug)
    _builder_write(request, pa)
    posted = request.POST.getlist("order")
    ids = [i for i in (parse_id(p) for p in posted) if i is not None]
    if len(ids) != len(posted):
        message = "The order must be question ids."
        return JsonResponse({"detail": message, "errors": [message]}, status=400)
    try:
        qs.questions_reorder(program=pa.program, ordered_ids=ids)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages), "errors": exc.messages}, status=400)
    return JsonResponse({"detail": "Order saved."})


@require_POST
@login_required
def pool_add(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    _builder_write(request, pa)
    try:
        added = qs.pool_add(program=pa.program, key=request.POST.get("key", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Added: " + "; ".join(f"“{q.text}”" for q in added))
    return redirect("registration:questionnaire", org_slug, program_slug)


@require_POST
@login_required
def questions_import(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    _builder_write(request, pa)
    form = ImportForm(request.POST, program=pa.program)
    if not form.is_valid():
        messages.error(request, "Choose a program of your organization to import from.")
    else:
        source = form.cleaned_data["source"]
        n = qs.questionnaire_import(program=pa.program, source=source)
        messages.success(request, f"Copied {n} question{'s' if n != 1 else ''} from {source.name}.")
    return redirect("registration:questionnaire", org_slug, program_slug)


# -- the participant form (shared by preview and registration) --------------------------------------


def _steps(
    questions: Sequence[Question], values: dict[str, Any], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """Questions grouped into steps by section, each with the value and error to show."""
    steps: list[dict[str, Any]] = []
    zones = time_zone_choices()
    for q in questions:
        name = field_name(q)
        value = values.get(name, [] if q.kind == QuestionKind.MULTIPLE else "")
        if q.kind == QuestionKind.MULTIPLE and not isinstance(value, list):
            value = [value] if value else []
        item = {
            "q": q,
            "name": name,
            "value": value,
            "chosen": set(value) if isinstance(value, list) else {value},
            "error": errors.get(name, ""),
            "options": [o for o in q.options.all() if not o.archived] if q.is_choice else [],
            "zones": zones if q.kind == QuestionKind.TIMEZONE else [],
        }
        if not steps or steps[-1]["title"] != q.section:
            steps.append({"title": q.section, "items": []})
        steps[-1]["items"].append(item)
    for i, step in enumerate(steps):
        step["number"] = i + 1
        step["has_error"] = any(item["error"] for item in step["items"])
    return steps


@login_required
def preview(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    questions = services.asked_questions(pa.program)
    return render(
        request,
        "registration/register.html",
        program_context(pa, steps=_steps(questions, {}, {}), preview=True, registration=None),
    )


def _registration_page(
    request: AuthedRequest,
    program: Program,
    registration: Registration | None,
    values: dict[str, Any],
    errors: dict[str, str],
) -> HttpResponse:
    questions = services.asked_questions(program)
    return render(
        request,
        "registration/register.html",
        {
            "organization": program.organization,
            "program": program,
            "registration": registration,
            "steps": _steps(questions, values, errors),
            "preview": False,
            "error_count": len(errors),
        },
        status=400 if errors else 200,
    )


@program_view(need="applicant")
def register(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    program = pa.program
    token = request.session.get(f"invitation:{program.pk}", "")
    registration = Registration.objects.filter(program=program, user=request.user).first()
    withdrawn = registration is not None and registration.status == RegistrationStatus.WITHDRAWN
    if withdrawn and request.POST.get("action") != "restart":
        # Coming back is a choice the person makes, not a side effect of opening the page.
        return render(
            request, "registration/withdrawn.html", {"organization": program.organization, "program": program}
        )
    if registration is None and request.method == "GET":
        # Looking at the form writes nothing: the registration starts with the first saved answer.
        is_open, reason = program.registration_window()
        allowed, why = services.may_register(program, request.user, token)
        if not (is_open and allowed):
            return render(
                request,
                "registration/closed.html",
                {"organization": program.organization, "program": program, "reason": reason or why},
                status=403,
            )
        return _registration_page(request, program, None, {}, {})
    if request.method == "POST":
        return _register_post(request, program, registration, token)
    assert registration is not None  # a GET without one was answered above
    is_open, reason = program.registration_window()
    if not is_open:
        return render(
            request,
            "registration/closed.html",
            {
                "organization": program.organization,
                "program": program,
                "reason": reason,
                "registration": registration,
            },
            status=403,
        )
    questions = services.asked_questions(program)
    return _registration_page(request, program, registration, current_values(registration, questions), {})


def _register_post(
    request: AuthedRequest, program: Program, registration: Registration | None, token: str
) -> HttpResponse:
    """Start (or restart) the registration, then save or submit the answers: all or nothing, so
    answers that are refused leave no half-started registration (nor membership) behind."""
    org_slug, program_slug = program.organization.slug, program.slug
    action = request.POST.get("action")
    multi = _multi(program)
    raw = {k: (v if len(v) > 1 or k in multi else v[0]) for k, v in request.POST.lists() if k.startswith("q")}
    try:
        with transaction.atomic():
            current = registration
            if current is None or current.status == RegistrationStatus.WITHDRAWN:
                try:
                    current = services.registration_start(program=program, user=request.user, token=token)
                except ValidationError as exc:
                    return render(
                        request,
                        "registration/closed.html",
                        {
                            "organization": program.organization,
                            "program": program,
                            "reason": " ".join(exc.messages),
                        },
                        status=403,
                    )
            if action == "restart":
                return redirect("registration:register", org_slug, program_slug)
            if action == "save":
                services.registration_save_draft(registration=current, raw=raw)
            else:
                services.registration_submit(registration=current, raw=raw)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            return _registration_page(request, program, registration, raw, errors)
        messages.error(request, " ".join(exc.messages))
        return redirect(program.get_participant_url())
    if action == "save":
        messages.success(request, "Your answers are saved. Come back any time before registration closes.")
        return redirect("registration:register", org_slug, program_slug)
    return redirect("registration:done", org_slug, program_slug)


def _multi(program: Program) -> set[str]:
    return {
        f"q{pk}"
        for pk in Question.objects.filter(program=program, kind=QuestionKind.MULTIPLE).values_list(
            "pk", flat=True
        )
    }


@require_POST
@program_view(need="applicant")
def autosave(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    program = pa.program
    multi = _multi(program)
    raw = {k: (v if k in multi else v[0]) for k, v in request.POST.lists() if k.startswith("q")}
    registration = Registration.objects.filter(program=program, user=request.user).first()
    try:
        with transaction.atomic():  # a draft that cannot be saved starts no registration
            if registration is None:
                token = request.session.get(f"invitation:{program.pk}", "")
                try:
                    registration = services.registration_start(
                        program=program, user=request.user, token=token
                    )
                except ValidationError as exc:
                    return JsonResponse(
                        {"detail": " ".join(exc.messages), "errors": exc.messages}, status=403
                    )
            services.registration_save_draft(registration=registration, raw=raw)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages), "errors": exc.messages}, status=400)
    return JsonResponse({"detail": "Saved", "saved_at": timezone.localtime().strftime("%H:%M")})


@program_view(need="member")
def done(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    program = pa.program
    registration = get_object_or_404(
        Registration, program=program, user=request.user, status=RegistrationStatus.SUBMITTED
    )
    registration.program = program  # already loaded: role_phrase reads it
    can_edit, closed = program.registration_window()
    closes = program.registration_closes_on
    # Always-open programs keep registering after their first closing date: don't quote a past one.
    closes_ahead = closes if closes and closes >= timezone.localdate() else None
    return render(
        request,
        "registration/done.html",
        {
            "organization": program.organization,
            "program": program,
            "registration": registration,
            "can_edit": can_edit,
            "closed": closed,
            "closes_ahead": closes_ahead,
            "paired_page": program.status in (Status.RUNNING, Status.COMPLETED),
        },
    )


@program_view(need="member")
def withdraw(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    program = pa.program
    registration = get_object_or_404(Registration, program=program, user=request.user)
    if request.method == "POST":
        try:
            services.registration_withdraw(registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"You have withdrawn from {program.name}.")
        return redirect("programs:dashboard", program.organization.slug)
    return render(
        request,
        "registration/withdraw.html",
        {"organization": program.organization, "program": program, "registration": registration},
    )


def invited(request: HttpRequest, token: str) -> HttpResponse:
    """The personal link of an invitation: remembers the invitation and sends the person to
    register (through login or sign-up)."""
    invitation = get_object_or_404(
        ProgramInvitation.objects.select_related("program__organization"), token=token
    )
    program = invitation.program
    request.session[f"invitation:{program.pk}"] = token
    target = reverse("registration:register", args=[program.organization.slug, program.slug])
    if request.user.is_authenticated:
        return redirect(target)
    request.brand = program.organization  # type: ignore[attr-defined]
    return render(
        request,
        "registration/invited.html",
        {"organization": program.organization, "program": program, "invitation": invitation, "next": target},
    )


# -- registrants ------------------------------------------------------------------------------------


@login_required
def registrant_list(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    f = RegistrantFilter(
        role=request.GET.get("role", "") if request.GET.get("role") in ParticipantRole.values else "",
        status=request.GET.get("status", "")
        if request.GET.get("status") in RegistrationStatus.values
        else "",
        query=search_text(request.GET),
        option_id=parse_id(request.GET.get("option")),
    )
    page = Paginator(registrants(pa.program, f), 25).get_page(request.GET.get("page"))
    filter_questions = (
        Question.objects.filter(program=pa.program, kind__in=[QuestionKind.SINGLE, QuestionKind.MULTIPLE])
        .exclude(builtin="role")
        .prefetch_related("options")
    )
    totals = Registration.objects.filter(program=pa.program).values("status").annotate(n=Count("pk"))
    return render(
        request,
        "registration/registrants.html",
        program_context(
            pa,
            page=page,
            filter=f,
            filter_questions=filter_questions,
            totals={t["status"]: t["n"] for t in totals},
            roles=ParticipantRole.choices,
            statuses=RegistrationStatus.choices,
        ),
    )


@login_required
def registrant_detail(
    request: AuthedRequest, org_slug: str, program_slug: str, registration_id: int
) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    registration = get_object_or_404(
        Registration.objects.select_related("user"), pk=registration_id, program=pa.program
    )
    questions = services.asked_questions(pa.program)
    answers = registrant_answers(registration, questions)
    # Only the questions asked of the role these answers are for (no role yet: those asked of all).
    asked = [q for q in questions if q.asked_of(answers.role)]
    return render(
        request,
        "registration/registrant.html",
        program_context(
            pa, registration=registration, answers=answers, steps=_steps(asked, answers.values, {})
        ),
    )


# -- the organization's skill and goal lists --------------------------------------------------------


@org_view(need="staff")
def skills(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    org = access.organization
    qs.skills_ensure_defaults(organization=org)
    form = SkillForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        try:
            if action == "add":
                if form.is_valid():
                    qs.skill_add(
                        organization=org, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
                    )
                    messages.success(request, f"Added “{form.cleaned_data['name']}”.")
                    return redirect("registration:skills", org.slug)
            else:
                skill = get_object_or_404(Skill, pk=posted_id(request.POST.get("skill")), organization=org)
                if action == "rename":
                    name = posted_text(request.POST, "name", max_length=SKILL_NAME_MAX_LENGTH)
                    qs.skill_rename(skill=skill, name=name)
                else:
                    qs.skill_archive(skill=skill, archived=action == "archive")
                messages.success(request, "List updated.")
                return redirect("registration:skills", org.slug)
        except ValidationError as exc:
            add_errors(form, exc)
            if action != "add":
                messages.error(request, " ".join(exc.messages))
                return redirect("registration:skills", org.slug)
    lists = {
        kind: list(Skill.objects.filter(organization=org, kind=kind))
        for kind in (SkillKind.SKILL, SkillKind.GOAL)
    }
    return render(
        request,
        "registration/skills.html",
        {
            "access": access,
            "organization": org,
            "form": form,
            "skills": lists[SkillKind.SKILL],
            "goals": lists[SkillKind.GOAL],
        },
        status=400 if form.errors else 200,
    )
