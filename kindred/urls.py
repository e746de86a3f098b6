from django.contrib import admin
from django.urls import include, path, register_converter

from kindred.lib.ids import IdConverter, NumberConverter
from kindred.orgs import views as org_views

# Before any app's patterns are built: an id or a number out of range is a 404, never a query.
register_converter(IdConverter, "id")
register_converter(NumberConverter, "num")

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
