from shops.scheduling import Every

SCHEDULES = [
    Every(name="refresh-expiring-tokens", func="shops.tasks.refresh_expiring_tokens", minutes=15),
]
