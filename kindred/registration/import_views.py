"""Pages of the CSV/XLSX import of registrants: upload, map columns, read the check's report,
confirm, and follow the background import."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.body_limit import body_limit, megabytes, too_large
from kindred.lib.forms import add_errors
from kindred.programs.access import ProgramAccess
from kindred.programs.pages import program_context, staff_program
from kindred.registration import imports, services
from kindred.registration.models import ImportJob, ImportStatus

BAD_ROWS_PER_PAGE = 50
# The file and the form around it: a body larger than this is refused before it is read.
UPLOAD_LIMIT = imports.MAX_BYTES + 64 * 1024
TOO_LARGE = (
    f"The file is larger than {megabytes(imports.MAX_BYTES)}, the most an import takes. "
    "Split it into smaller files and import them one after the other."
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Registrants file",
        help_text=f"A .csv (UTF-8) or .xlsx file, at most {imports.MAX_BYTES // (1024 * 1024)} MB and "
        f"{imports.MAX_ROWS:,} rows. The first line names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return upload


class ImportMappingForm(forms.Form):
    """One choice per column of the file: ignore it, or what it holds."""

    def __init__(self, *args: Any, job: ImportJob, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = len(job.headers)
        for i in range(self.columns):
            self.fields[f"col{i}"] = forms.ChoiceField(
                label=imports.header_label(job.headers, i),
                choices=choices,
                required=False,
                initial=job.mapping[i] if i < len(job.mapping) else "",
            )

    def mapping(self) -> list[str]:
        return [self.cleaned_data[f"col{i}"] for i in range(self.columns)]


HEAVY = ("content", "rows")  # the file and its rows: only the worker and the check read them


def _job(pa: ProgramAccess, job_id: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("created_by").defer(*HEAVY), pk=job_id, program=pa.program
    )


def _started(job: ImportJob) -> bool:
    return job.status in (ImportStatus.IMPORTING, ImportStatus.DONE)


@login_required
@body_limit(UPLOAD_LIMIT)
def import_upload(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    if request.method == "POST" and too_large(request):  # its body was never read
        form = ImportUploadForm(data={})
        form.is_valid()
        form.errors["file"] = form.error_class([TOO_LARGE])
        return _upload_page(request, pa, form, status=413)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_upload(
                program=pa.program, user=request.user, file_name=upload.name, content=upload.read()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("registration:import_mapping", org_slug, program_slug, job.pk)
    return _upload_page(request, pa, form, status=400 if form.is_bound and form.errors else 200)


def _upload_page(
    request: AuthedRequest, pa: ProgramAccess, form: ImportUploadForm, status: int
) -> HttpResponse:
    jobs = ImportJob.objects.filter(program=pa.program).select_related("created_by").defer(*HEAVY)[:10]
    return render(
        request, "registration/import_upload.html", program_context(pa, form=form, jobs=jobs), status=status
    )


@login_required
def import_mapping(request: AuthedRequest, org_slug: str, program_slug: str, job_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    job = _job(pa, job_id)
    if _started(job):
        return redirect("registration:import_progress", org_slug, program_slug, job.pk)
    if job.status in (ImportStatus.READING, ImportStatus.UNREADABLE):
        return _reading_page(request, pa, job)
    questions = services.asked_questions(pa.program)
    form = ImportMappingForm(request.POST or None, job=job, choices=imports.target_choices(questions))
    if request.method == "POST" and form.is_valid():
        try:
            imports.import_validate(job=job, mapping=form.mapping())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("registration:import_report", org_slug, program_slug, job.pk)
    preview = imports.import_preview(job)
    columns = [
        {
            "field": form[f"col{i}"],
            "header": imports.header_label(job.headers, i),
            "letter": imports.column_name(i),
            "samples": [cells[i] for _, cells in preview.rows[:3] if cells[i]],
        }
        for i in range(len(job.headers))
    ]
    return render(
        request,
        "registration/import_mapping.html",
        program_context(
            pa,
            job=job,
            form=form,
            columns=columns,
            preview=preview,
            unmapped=imports.unmapped_required(job.mapping, questions),
        ),
        status=400 if form.is_bound and form.errors else 200,
    )


def _reading_page(request: AuthedRequest, pa: ProgramAccess, job: ImportJob) -> HttpResponse:
    """The worker is reading the file (or could not): the page follows it, then shows the mapping."""
    status_url = reverse(
        "registration:import_status", args=[pa.program.organization.slug, pa.program.slug, job.pk]
    )
    return render(
        request,
        "registration/import_reading.html",
        program_context(pa, job=job, status=_status(job), status_url=status_url),
        status=422 if job.status == ImportStatus.UNREADABLE else 200,
    )


@login_required
def import_report(request: AuthedRequest, org_slug: str, program_slug: str, job_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    job = _job(pa, job_id)
    if job.status in (ImportStatus.READING, ImportStatus.UNREADABLE, ImportStatus.UPLOADED):
        return redirect("registration:import_mapping", org_slug, program_slug, job.pk)
    page = Paginator(job.bad_rows, BAD_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registration/import_report.html",
        program_context(
            pa,
            job=job,
            page=page,
            member_rows=job.good_rows - job.existing_rows - job.joining_rows,
            started=_started(job),
        ),
    )


@login_required
@require_POST
def import_confirm(request: AuthedRequest, org_slug: str, program_slug: str, job_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    job = _job(pa, job_id)
    try:
        imports.import_start(job=job, notify=request.POST.get("notify") == "on")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registration:import_report", org_slug, program_slug, job.pk)
    return redirect("registration:import_progress", org_slug, program_slug, job.pk)


def _status(job: ImportJob) -> dict[str, Any]:
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "total": job.good_rows,
        "processed": job.processed_rows,
        "percent": job.percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "joining": job.joining_count,
        "error": job.error,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNREADABLE),
    }


@login_required
def import_progress(request: AuthedRequest, org_slug: str, program_slug: str, job_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    job = _job(pa, job_id)
    if job.status in (ImportStatus.READING, ImportStatus.UNREADABLE, ImportStatus.UPLOADED):
        return redirect("registration:import_mapping", org_slug, program_slug, job.pk)
    if job.status == ImportStatus.VALIDATED:
        return redirect("registration:import_report", org_slug, program_slug, job.pk)
    status_url = reverse("registration:import_status", args=[org_slug, program_slug, job.pk])
    return render(
        request,
        "registration/import_progress.html",
        program_context(
            pa,
            job=job,
            status=_status(job),
            status_url=status_url,
            skipped=job.total_rows - job.good_rows,
            summary=_summary(job, pa.program.organization.name),
        ),
    )


def _summary(job: ImportJob, org: str) -> str:
    """What a finished import did. People new to the organization are one count, whether the
    import created their account or invited them: it never tells who has an account elsewhere."""
    parts = []
    if job.created_count:
        parts.append(f"{job.created_count:,} member{pluralize(job.created_count)} of {org} registered")
    if job.updated_count:
        parts.append(f"{job.updated_count:,} updated")
    if job.joining_count:
        people = "person" if job.joining_count == 1 else "people"
        parts.append(f"{job.joining_count:,} {people} new to {org} asked to join")
    return f"{job.good_rows:,} registrant{pluralize(job.good_rows)} imported: {', '.join(parts)}."


@login_required
def import_status(request: AuthedRequest, org_slug: str, program_slug: str, job_id: int) -> HttpResponse:
    pa = staff_program(request, org_slug, program_slug)
    fields = (
        "status",
        "good_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "joining_count",
        "error",
    )
    job = get_object_or_404(ImportJob.objects.only(*fields), pk=job_id, program=pa.program)
    return JsonResponse(_status(job))
