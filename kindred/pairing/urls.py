from django.urls import path

from kindred.pairing import views

app_name = "pairing"
P = "o/<slug:org_slug>/programs/<slug:program_slug>/pairing/"
urlpatterns = [
    path(P + "criteria/", views.criteria, name="criteria"),
    path(P + "criteria/new/", views.criterion_edit, name="criterion_new"),
    path(P + "criteria/<int:criterion_id>/", views.criterion_edit, name="criterion_edit"),
    path(P + "criteria/defaults/", views.criteria_defaults, name="criteria_defaults"),
    path(P, views.review, name="review"),
    path(P + "run/", views.run_start, name="run"),
    path(P + "run/status/", views.run_status, name="run_status"),
    path(P + "proposals/<int:proposal_id>/", views.proposal_action, name="proposal"),
    path(P + "assign/<int:registration_id_>/", views.assign, name="assign"),
    path(P + "publish/", views.publish, name="publish"),
]
