from django.urls import path

from kindred.registration import access_views, import_views, views

app_name = "registration"
P = "o/<slug:org_slug>/programs/<slug:program_slug>/"
R = "o/<slug:org_slug>/p/<slug:program_slug>/"
urlpatterns = [
    path(P + "questionnaire/", views.questionnaire, name="questionnaire"),
    path(P + "questionnaire/new/", views.question_new, name="question_new"),
    path(P + "questionnaire/<id:question_id>/", views.question_edit, name="question_edit"),
    path(P + "questionnaire/<id:question_id>/delete/", views.question_delete, name="question_delete"),
    path(P + "questionnaire/<id:question_id>/move/", views.question_move, name="question_move"),
    path(P + "questionnaire/reorder/", views.questions_reorder, name="questions_reorder"),
    path(P + "questionnaire/pool/", views.pool_add, name="pool_add"),
    path(P + "questionnaire/import/", views.questions_import, name="questions_import"),
    path(P + "questionnaire/preview/", views.preview, name="preview"),
    path(P + "access/", access_views.access, name="access"),
    path(P + "access/invite/", access_views.invite, name="invite"),
    path(P + "access/remind/", access_views.remind, name="remind"),
    path(P + "access/resend/", access_views.resend, name="resend"),
    path(P + "emails/", access_views.emails, name="emails"),
    path(P + "emails/preview/", access_views.email_preview, name="email_preview"),
    path(P + "registrants/", views.registrant_list, name="registrants"),
    path(P + "registrants/<id:registration_id>/", views.registrant_detail, name="registrant"),
    path(R + "register/", views.register, name="register"),
    path(R + "register/autosave/", views.autosave, name="autosave"),
    path(R + "register/done/", views.done, name="done"),
    path(R + "withdraw/", views.withdraw, name="withdraw"),
    path("r/<str:token>/", views.invited, name="invited"),
    path("o/<slug:org_slug>/skills/", views.skills, name="skills"),
    path(P + "import/", import_views.import_upload, name="import_upload"),
    path(P + "import/<id:job_id>/", import_views.import_mapping, name="import_mapping"),
    path(P + "import/<id:job_id>/report/", import_views.import_report, name="import_report"),
    path(P + "import/<id:job_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path(P + "import/<id:job_id>/progress/", import_views.import_progress, name="import_progress"),
    path(P + "import/<id:job_id>/status/", import_views.import_status, name="import_status"),
]
