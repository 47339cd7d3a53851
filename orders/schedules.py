from django.conf import settings

from shops.scheduling import Every

SCHEDULES = [
    Every(
        name="sync-orders", func="orders.tasks.sync_orders", minutes=settings.SYNC_INTERVAL_MINUTES
    ),
]
