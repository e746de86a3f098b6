from django.urls import path

from kindred.programs import views

app_name = "programs"
urlpatterns = [
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/programs/new/", views.program_create, name="create"),
    path("o/<slug:org_slug>/programs/<slug:program_slug>/", views.program_detail, name="detail"),
    path("o/<slug:org_slug>/programs/<slug:program_slug>/edit/", views.program_edit, name="edit"),
    path("o/<slug:org_slug>/programs/<slug:program_slug>/status/", views.program_status, name="status"),
    path("o/<slug:org_slug>/p/<slug:program_slug>/", views.program_public, name="public"),
    path("p/<slug:program_slug>/", views.host_program_public, name="host_public"),
    path("programs/", views.host_index, name="host_index"),
]
