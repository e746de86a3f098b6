from django.contrib import admin
from django.urls import include, path

from kindred.orgs import views as org_views

# Ids in URLs are <id:...> (kindred.accounts registers it): out of range is a 404, never a query.

urlpatterns = [
    path("", org_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("kindred.accounts.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("kindred.orgs.urls")),
    path("", include("kindred.programs.urls")),
    path("", include("kindred.registration.urls")),
    path("", include("kindred.pairing.urls")),
]
