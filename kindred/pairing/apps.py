from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "kindred.pairing"
    label = "pairing"

    def ready(self) -> None:
        from kindred.pairing import checklist, mentorships  # noqa: F401 - checklist steps and signal receivers
