from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "kindred.worker"
    label = "worker"
    verbose_name = "Background worker"
