from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "kindred.registration"
    label = "registration"

    def ready(self) -> None:
        from kindred.registration import checklist  # noqa: F401 - registers the checklist steps
