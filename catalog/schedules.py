from django.conf import settings

from shops.scheduling import Every

SCHEDULES = [
    Every(
        name="sync-products",
        func="catalog.tasks.sync_products",
        minutes=settings.SYNC_INTERVAL_MINUTES,
    ),
]
