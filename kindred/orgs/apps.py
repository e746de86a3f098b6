from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "kindred.orgs"
    label = "orgs"
