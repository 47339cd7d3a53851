from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Shops"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from shops import checks  # noqa: F401  (registers the deploy checks)
        from shops.accounts import session_touch_on_login
        from shops.scheduling import sync_schedules_after_migrate
        from shops.worker import database_backend_renice

        post_migrate.connect(sync_schedules_after_migrate, sender=self)
        connection_created.connect(database_backend_renice, dispatch_uid="backend_renice")
        user_logged_in.connect(session_touch_on_login, dispatch_uid="session_touch_on_login")
