from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kindred.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Every app's urls use <id:...> and <num:...>: registered once the apps are ready (the
        # lowest app), so an app's urls module can be imported on its own, before the root's.
        from django.urls import register_converter

        from kindred.lib.ids import IdConverter, NumberConverter

        register_converter(IdConverter, "id")
        register_converter(NumberConverter, "num")
