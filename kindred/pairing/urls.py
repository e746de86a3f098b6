from django.urls import path

from kindred.pairing import participant_views as pv
from kindred.pairing import views

app_name = "pairing"
P = "o/<slug:org_slug>/programs/<slug:program_slug>/pairing/"
M = "o/<slug:org_slug>/programs/<slug:program_slug>/mentorships/"
R = "o/<slug:org_slug>/p/<slug:program_slug>/"
urlpatterns = [
    path(P + "criteria/", views.criteria, name="criteria"),
    path(P + "criteria/new/", views.criterion_edit, name="criterion_new"),
    path(P + "criteria/<id:criterion_id>/", views.criterion_edit, name="criterion_edit"),
    path(P + "criteria/defaults/", views.criteria_defaults, name="criteria_defaults"),
    path(P + "never/", views.exclusions, name="exclusions"),
    path(P, views.review, name="review"),
    path(P + "run/", views.run_start, name="run"),
    path(P + "run/status/", views.run_status, name="run_status"),
    path(P + "proposals/<id:proposal_id>/", views.proposal_action, name="proposal"),
    path(P + "assign/<id:registration_id_>/", views.assign, name="assign"),
    path(P + "publish/", views.publish, name="publish"),
    path(M, pv.mentorship_list, name="mentorships"),
    path(M + "<id:mentorship_id>/", pv.mentorship_manage, name="mentorship"),
    path(R + "mentorship/", pv.mine, name="mine"),
    path(R + "mentorship/<id:mentorship_id>/not-a-fit/", pv.not_a_fit, name="not_a_fit"),
    path(R + "mentors/", pv.choose, name="choose"),
    path(R + "mentors/<id:mentor_id>/", pv.mentor_detail, name="mentor"),
    path(R + "requests/", pv.requests, name="requests"),
    path(R + "requests/<id:request_id>/cancel/", pv.request_cancel, name="request_cancel"),
]
