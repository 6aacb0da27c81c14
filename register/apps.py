from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Data Release Register"

    def ready(self):
        from register import caching, receivers
        from register.events import register_changed

        # Derived data first (facets, search index), then the data version: a page rendered in between
        # must not be cached under the new version with the old derived data.
        register_changed.connect(receivers.refresh_derived_data, dispatch_uid="register.receivers.refresh_derived_data")
        # Cached pages and HTTP validators follow the data version, renewed in every change's transaction.
        register_changed.connect(caching.data_changed, dispatch_uid="register.caching.data_changed")
