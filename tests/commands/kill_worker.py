"""A command runner in its own process, for the kill test: claims and runs until killed.

DATABASE_URL=... python -m tests.commands.kill_worker '{"SETTING": value, ...}'
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    overrides = json.loads(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings_test")
    import django

    django.setup()
    from django.conf import settings

    for name, value in overrides.items():
        setattr(settings, name, value)
    from shops.commands import commands_work

    print("ready", flush=True)
    while True:
        if not commands_work(idle_wait=0, max_seconds=5):
            time.sleep(0.05)


if __name__ == "__main__":
    main()
