from django.core.management.base import BaseCommand, CommandError

from shops.accounts import user_create


class Command(BaseCommand):
    help = "Create an operator (or, with --admin, an admin) who can log in to the back office."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="generated and printed when omitted")
        parser.add_argument("--admin", action="store_true", help="an admin instead")

    def handle(self, *args, **options) -> None:
        try:
            user, password = user_create(
                username=options["username"],
                password=options["password"],
                email=options["email"],
                admin=options["admin"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        role = "admin" if options["admin"] else "operator"
        shown = password if not options["password"] else "(as given)"
        self.stdout.write(f"created {role} {user.username} with password {shown}")
