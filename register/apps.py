from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Data Release Register"

    def ready(self):
        from register import receivers  # noqa: F401  (connects the register_changed receiver)
