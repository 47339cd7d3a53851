from django.conf import settings

from shops.scheduling import Every

SCHEDULES = [
    # The incremental sync of each mirrored resource reconciles whatever webhooks missed.
    *(
        Every(
            name=f"sync-{resource}",
            func="shops.tasks.sync_request_all",
            minutes=settings.SYNC_INTERVAL_MINUTES,
            args=(resource,),
        )
        for resource in settings.SYNC_RESOURCES
    ),
    Every(name="refresh-expiring-tokens", func="shops.tasks.refresh_expiring_tokens", minutes=15),
    # The safety net for commands: retries that came due and commands whose worker died.
    Every(name="run-due-commands", func="shops.tasks.commands_enqueue_due", minutes=1),
    # Proves jobs are being taken even where the worker runs without `run_worker`'s canaries.
    Every(name="worker-canary", func="shops.tasks.canary_record", minutes=1),
]
