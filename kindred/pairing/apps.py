from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "kindred.pairing"
    label = "pairing"

    def ready(self) -> None:
        from kindred.pairing import checklist  # noqa: F401 - registers the checklist steps
