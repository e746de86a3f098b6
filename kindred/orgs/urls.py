from django.urls import path

from kindred.orgs import views

app_name = "orgs"
urlpatterns = [
    path("orgs/new/", views.organization_create, name="create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("o/<slug:org_slug>/join/", views.join, name="join"),
    path("o/<slug:org_slug>/logo/<num:version>/", views.logo, name="logo"),
    path("o/<slug:org_slug>/settings/", views.settings_view, name="settings"),
    path("o/<slug:org_slug>/settings/domain/check/", views.custom_domain_check, name="custom_domain_check"),
    path("o/<slug:org_slug>/members/", views.members, name="members"),
    path("o/<slug:org_slug>/members/<id:membership_id>/role/", views.member_role, name="member_role"),
    path("o/<slug:org_slug>/members/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("o/<slug:org_slug>/invitations/new/", views.invitation_create, name="invitation_create"),
    path(
        "o/<slug:org_slug>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("o/<slug:org_slug>/domains/new/", views.domain_add, name="domain_add"),
    path("o/<slug:org_slug>/domains/<id:domain_id>/remove/", views.domain_remove, name="domain_remove"),
    path("o/<slug:org_slug>/domains/<id:domain_id>/check/", views.domain_check, name="domain_check"),
]
