from django.urls import path

from kindred.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("photo/<id:user_id>/<num:version>/", views.photo, name="photo"),
]
