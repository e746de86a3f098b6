from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from kindred.accounts.forms import ProfileForm
from kindred.accounts.http import AuthedRequest
from kindred.accounts.models import User
from kindred.accounts.services import profile_update


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
