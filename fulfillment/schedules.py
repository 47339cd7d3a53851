from django.conf import settings

from shops.scheduling import Every

SCHEDULES = [
    Every(
        name=f"sync-{resource}",
        func=f"fulfillment.tasks.sync_{resource}",
        minutes=settings.SYNC_INTERVAL_MINUTES,
    )
    for resource in ("packages", "returns", "cancellations")
]
