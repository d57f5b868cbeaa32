from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutordesk.accounts.services import api_token_create
from tutordesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for the user with EMAIL. The token is the last line of the output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="a label to recognise the token by")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, raw = api_token_create(email=options["email"], name=options["name"][:100])
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"API token for {token.user.email} ({token.user.role}); it is shown only once:")
        self.stdout.write(raw)
