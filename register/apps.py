from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Data Release Register"

    def ready(self):
        from register import caching
        from register.events import register_changed

        # Cached pages and HTTP validators follow the data version, renewed after every committed change.
        register_changed.connect(caching.data_changed, dispatch_uid="register.caching.data_changed")
