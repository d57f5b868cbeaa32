from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email and password, the email matched case-insensitively (the manager's natural key)."""
