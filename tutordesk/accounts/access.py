"""Role checks that raise: the one way a service or view says "admins only"."""

from __future__ import annotations

from tutordesk.accounts.models import User
from tutordesk.core.errors import Forbidden, require


def require_admin(actor: User, doing: str) -> None:
    """`Forbidden("Only an admin can <doing>")` unless the actor is an admin."""
    require(actor.is_admin, Forbidden, f"Only an admin can {doing}")


def require_staff(actor: User, doing: str) -> None:
    """Tutors and admins only: students never change lessons."""
    require(actor.is_tutor or actor.is_admin, Forbidden, f"Only a tutor or an admin can {doing}")
