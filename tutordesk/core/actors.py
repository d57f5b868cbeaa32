"""What the lower floors need to know of the user acting: an id and whether they are an admin.

Apps below `accounts` (core, audit) take an `Actor` instead of importing the User model, so the
layers stay one-way; `accounts.models.User` satisfies it.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class Actor(Protocol):
    @property
    def pk(self) -> uuid.UUID: ...

    @property
    def is_admin(self) -> bool: ...
