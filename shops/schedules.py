from shops.scheduling import Every

SCHEDULES = [
    Every(name="refresh-expiring-tokens", func="shops.tasks.refresh_expiring_tokens", minutes=15),
    # The safety net for commands: retries that came due and commands whose worker died.
    Every(name="run-due-commands", func="shops.tasks.run_due_commands", minutes=1),
    # Proves jobs are being taken even where the worker runs without `run_worker`'s canaries.
    Every(name="worker-canary", func="shops.tasks.worker_canary", minutes=1),
]
