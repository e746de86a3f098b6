from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from kindred.accounts.forms import ProfileForm
from kindred.accounts.http import AuthedRequest
from kindred.accounts.models import User
from kindred.accounts.services import profile_update, welcome_complete
from kindred.accounts.welcome import WELCOME_DAYS, welcome_user


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile_update(
            user=user,
            name=data["name"],
            job_title=data["job_title"],
            department=data["department"],
            time_zone=data["time_zone"],
            manager_email=data["manager_email"],
            photo=form.checked_photo,
            remove_photo=data["remove_photo"],
        )
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password from a welcome link (an account an admin's import created). Setting it
    verifies the address the link was sent to and logs the person in."""
    user = welcome_user(token)
    if user is None:
        return render(request, "accounts/welcome_expired.html", {"days": WELCOME_DAYS}, status=410)
    next_path = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: never another host, never a URL name for redirect() to resolve.
    if not next_path.startswith("/") or not url_has_allowed_host_and_scheme(
        next_path, allowed_hosts={request.get_host()}
    ):
        next_path = ""
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        welcome_complete(user=user, password=form.cleaned_data["new_password1"])
        logout(request)
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, "Your password is set. Welcome to Kindred!")
        return HttpResponseRedirect(next_path) if next_path else redirect("home")
    return render(request, "accounts/welcome.html", {"form": form, "person": user, "next": next_path})


@require_GET
@login_required
def photo(request: AuthedRequest, user_id: int, version: int) -> HttpResponse:
    # A photo is shown to its owner and to people who share an organization with them; the
    # version in the URL lets browsers cache it forever.
    people = User.objects.only("photo", "photo_content_type")
    if request.user.pk != user_id and not request.user.is_superuser:
        people = people.filter(memberships__organization__memberships__user=request.user).distinct()
    user = get_object_or_404(people, pk=user_id)
    if not user.photo_content_type or user.photo is None:
        raise Http404
    response = HttpResponse(bytes(user.photo), content_type=user.photo_content_type)
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
