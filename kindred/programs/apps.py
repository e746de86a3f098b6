from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "kindred.programs"
    label = "programs"
