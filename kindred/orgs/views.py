import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from kindred.accounts.http import AuthedRequest
from kindred.accounts.selectors import verified_emails
from kindred.lib.colour import ink_on_white, text_on
from kindred.lib.forms import add_errors, search_text
from kindred.orgs import services
from kindred.orgs.access import OrgAccess
from kindred.orgs.decorators import org_view
from kindred.orgs.forms import (
    AllowedDomainForm,
    BrandingForm,
    InvitationForm,
    OrganizationCreateForm,
    RoleForm,
)
from kindred.orgs.models import AllowedDomain, Membership, Organization, OrgInvitation, challenge_record_name
from kindred.orgs.selectors import members_of, memberships_of, served_here


def home(request: AuthedRequest) -> HttpResponse:
    """The front door: Kindred's (or, on a custom domain, the organization's) welcome for
    visitors; for people who are signed in, their organizations."""
    host_org = request.host_organization  # type: ignore[attr-defined]
    if not request.user.is_authenticated:
        if host_org:
            return redirect("programs:host_index")
        return render(request, "home/welcome.html")
    user = request.user
    memberships = list(memberships_of(user))
    joinable = services.joinable_organizations(user)
    if host_org and any(m.organization_id == host_org.pk for m in memberships):
        return redirect("programs:dashboard", host_org.slug)
    if len(memberships) == 1 and not joinable:
        return redirect("programs:dashboard", memberships[0].organization.slug)
    return render(request, "home/choose_org.html", {"memberships": memberships, "joinable": joinable})


@login_required
def organization_create(request: AuthedRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{org.name} is ready. Create your first program.")
            return redirect("programs:dashboard", org.slug)
    return render(request, "orgs/create.html", {"form": form})


@org_view(need="admin")
def settings_view(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    org = access.organization
    form = BrandingForm(request.POST or None, request.FILES or None, instance=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organization_update(
                organization=org,
                name=data["name"],
                email_display_name=data["email_display_name"],
                primary_colour=data["primary_colour"],
                custom_domain=data["custom_domain"],
                logo=form.checked_logo,
                remove_logo=data["remove_logo"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Branding saved.")
            return redirect("orgs:settings", org.slug)
    # A failed POST leaves the instance half-changed in memory: show the saved branding.
    org.refresh_from_db()
    context = {
        "access": access,
        "organization": org,
        "form": form,
        "challenge_name": challenge_record_name(org.custom_domain) if org.custom_domain else "",
        "served_here": served_here(org.custom_domain) if org.custom_domain else False,
    }
    return render(request, "orgs/settings.html", context)


@require_POST
@org_view(need="admin")
def custom_domain_check(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    """“Check now”: the worker looks for the custom domain's TXT record."""
    org = access.organization
    if org.custom_domain and not org.custom_domain_verified_at:
        try:
            services.custom_domain_check_now(organization=org)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"Checking the DNS of {org.custom_domain} now; reload this page in a minute."
            )
    return redirect("orgs:settings", org.slug)


@require_GET
def logo(request: AuthedRequest, org_slug: str, version: int) -> HttpResponse:
    # Public on purpose: the logo brands the login and program pages that visitors see.
    org = get_object_or_404(Organization.objects.only("logo", "logo_content_type"), slug=org_slug)
    if not org.logo_content_type or org.logo is None:
        raise Http404
    response = HttpResponse(bytes(org.logo), content_type=org.logo_content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """An organization's colour (`?colour=rrggbb`) as CSS custom properties. Pages carry no inline
    style (the Content-Security-Policy forbids it), so the colour arrives as a stylesheet; it
    depends on nothing but the URL, so browsers keep it forever."""
    colour = request.GET.get("colour", "")
    if not re.fullmatch(r"[0-9a-f]{6}", colour):
        raise Http404
    brand = f"#{colour}"
    css = f":root {{ --brand: {brand}; --on-brand: {text_on(brand)}; --brand-ink: {ink_on_white(brand)}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _members_page(request: AuthedRequest, access: OrgAccess, **forms: object) -> HttpResponse:
    org = access.organization
    query = search_text(request.GET)
    role = request.GET.get("role", "")
    people = members_of(org, query=query, role=role)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "organization": org,
        "page": page,
        "query": query,
        "role": role,
        "invitations": OrgInvitation.objects.filter(organization=org).select_related("invited_by")[:50],
        "domains": AllowedDomain.objects.filter(organization=org),
        "domain_token": org.domain_token,
        "invite_form": forms.get("invite_form") or InvitationForm(),
        "domain_form": forms.get("domain_form") or AllowedDomainForm(),
        "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "orgs/members.html", context, status=400 if forms else 200)


@org_view(need="admin")
def members(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    return _members_page(request, access)


@require_POST
@org_view(need="admin")
def invitation_create(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.org_invitation_create(
                organization=access.organization,
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("orgs:members", access.organization.slug)
    return _members_page(request, access, invite_form=form)


@require_POST
@org_view(need="admin")
def invitation_revoke(request: AuthedRequest, access: OrgAccess, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(OrgInvitation, pk=invitation_id, organization=access.organization)
    try:
        services.org_invitation_revoke(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("orgs:members", access.organization.slug)


@login_required
def invitation_accept(request: AuthedRequest, token: str) -> HttpResponse:
    invitation = OrgInvitation.objects.select_related("organization").filter(token=token).first()
    if invitation is None:
        raise Http404
    request.brand = invitation.organization  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        try:
            membership = services.org_invitation_accept(token=token, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Welcome to {membership.organization.name}.")
            return redirect("programs:dashboard", membership.organization.slug)
    # The same rule as the service: only the address it was sent to (or a verified one) may accept.
    addresses = verified_emails(request.user) | {request.user.email.lower()}
    return render(
        request,
        "orgs/invitation_accept.html",
        {
            "invitation": invitation,
            "organization": invitation.organization,
            "error": error,
            "for_you": invitation.email.lower() in addresses,
            "login_again": reverse("account_login") + "?" + urlencode({"next": request.path}),
        },
        status=400 if error else 200,
    )


@require_POST
@org_view(need="admin")
def domain_add(request: AuthedRequest, access: OrgAccess) -> HttpResponse:
    form = AllowedDomainForm(request.POST)
    if form.is_valid():
        try:
            allowed = services.allowed_domain_add(
                organization=access.organization, domain=form.cleaned_data["domain"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if allowed.verified_at:
                messages.success(request, f"People at {allowed.domain} can now join by themselves.")
            else:
                messages.success(
                    request,
                    f"{allowed.domain} is added and waits for its proof: publish the TXT record shown below.",
                )
            return redirect("orgs:members", access.organization.slug)
    return _members_page(request, access, domain_form=form)


@require_POST
@org_view(need="admin")
def domain_check(request: AuthedRequest, access: OrgAccess, domain_id: int) -> HttpResponse:
    """“Check now” for an allowed email domain that waits for its proof."""
    allowed = get_object_or_404(AllowedDomain, pk=domain_id, organization=access.organization)
    if not allowed.verified_at:
        try:
            services.allowed_domain_check_now(allowed_domain=allowed)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Checking {allowed.domain} now; reload this page in a minute.")
    return redirect("orgs:members", access.organization.slug)


@require_POST
@org_view(need="admin")
def domain_remove(request: AuthedRequest, access: OrgAccess, domain_id: int) -> HttpResponse:
    allowed = get_object_or_404(AllowedDomain, pk=domain_id, organization=access.organization)
    services.allowed_domain_remove(allowed_domain=allowed)
    messages.success(request, f"{allowed.domain} removed. Existing members stay.")
    return redirect("orgs:members", access.organization.slug)


@require_POST
@org_view(need="admin")
def member_role(request: AuthedRequest, access: OrgAccess, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, organization=access.organization)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
    else:
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Role changed.")
    return redirect("orgs:members", access.organization.slug)


@org_view(need="admin")
def member_remove(request: AuthedRequest, access: OrgAccess, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=access.organization
    )
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user.display_name} is no longer a member.")
        return redirect("orgs:members", access.organization.slug)
    return render(
        request,
        "orgs/member_remove.html",
        {"access": access, "organization": access.organization, "membership": membership},
    )


@require_POST
@login_required
def join(request: AuthedRequest, org_slug: str) -> HttpResponse:
    org = next((o for o in services.joinable_organizations(request.user) if o.slug == org_slug), None)
    if org is None:
        removed_from = Organization.objects.filter(slug=org_slug, removals__user=request.user).first()
        if removed_from is None:
            raise Http404
        messages.error(request, services.removed_message(removed_from))
        return redirect("home")
    try:
        services.organization_join(organization=org, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("home")
    messages.success(request, f"You joined {org.name}.")
    return redirect("programs:dashboard", org.slug)
