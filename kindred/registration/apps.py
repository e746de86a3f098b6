from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "kindred.registration"
    label = "registration"
