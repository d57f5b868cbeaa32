"""The single-use links of invitations and password resets (Django's token generator).

A link's token hashes the person's password, last login and active flag: it dies when the password
is set (so it works once) and when the person logs in, and does not work while they are
deactivated (the confirm view also refuses inactive people). It expires after
`PASSWORD_RESET_TIMEOUT` (7 days). Tokens are made when the email is built and never stored
anywhere else (not in events, webhooks or logs).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tutordesk.accounts.models import User


class PasswordLinkTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "tutordesk.accounts.tokens.PasswordLinkTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        return f"{super()._make_hash_value(user, timestamp)}{int(user.is_active)}"


password_link_tokens = PasswordLinkTokenGenerator()


def password_link(user: User) -> str:
    """The absolute link where `user` sets a password, built from `TUTORDESK_BASE_URL`."""
    path = reverse(
        "web:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_link_tokens.make_token(user),
        },
    )
    return settings.BASE_URL.rstrip("/") + path
