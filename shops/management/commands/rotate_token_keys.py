from django.core.management.base import BaseCommand
from django.db import transaction

from shops import crypto
from shops.models import Authorization


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored token with the newest key in TOKEN_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then drop the old key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--new-key", action="store_true", help="print a fresh key and stop")

    def handle(self, *args, **options) -> None:
        if options["new_key"]:
            self.stdout.write(crypto.new_key())
            return
        count = 0
        with transaction.atomic():
            for auth in Authorization.objects.select_for_update().exclude(
                access_token_encrypted=""
            ):
                auth.access_token_encrypted = crypto.rotate(auth.access_token_encrypted)
                auth.refresh_token_encrypted = crypto.rotate(auth.refresh_token_encrypted)
                auth.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
                count += 1
        self.stdout.write(f"re-encrypted the tokens of {count} authorizations with the newest key")
