from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models

from tutordesk.core.clock import CreatedAtField
from tutordesk.core.ids import new_id


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name; read from the disk once (`available_timezones` walks the tree)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"{value!r} is not a known time zone")


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    TUTOR = "tutor", "Tutor"
    ADMIN = "admin", "Admin"
    # A parent or payer: sees what each linked student sees, read-only, and gets their emails.
    GUARDIAN = "guardian", "Guardian"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser):
    """A person who logs in with an email. One role each; admins may use Django's admin."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=16, choices=Role.choices)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    date_joined = CreatedAtField()

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "users"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="users_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_tutor(self) -> bool:
        return self.role == Role.TUTOR

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_guardian(self) -> bool:
        return self.role == Role.GUARDIAN

    @property
    def sees_as_student(self) -> bool:
        """A student, or a guardian seeing their students' lessons: read-only, the tutor named."""
        return self.role in (Role.STUDENT, Role.GUARDIAN)

    # Django's admin asks these; the admin role is the only permission Tutordesk has.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class Guardianship(models.Model):
    """A guardian (a parent or payer) looks after a student: they see what the student sees."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    guardian = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = CreatedAtField()

    class Meta:
        db_table = "guardianships"
        constraints = [
            # Leads with the guardian: "whom does this guardian look after" reads this index.
            models.UniqueConstraint(fields=["guardian", "student"], name="guardianships_pair_uniq"),
            models.CheckConstraint(
                condition=~models.Q(guardian=models.F("student")), name="guardianships_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian.name} looks after {self.student.name}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12, help_text="First characters of the token, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = CreatedAtField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_tokens"
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"


class PasswordResetAsk(models.Model):
    """One "forgot password" ask, kept a day to rate-limit asks per email and per client address.

    In the database (not a process's memory) so every gunicorn worker and host counts the same asks.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    email = models.CharField(max_length=254)
    client_ip = models.CharField(max_length=64)
    created_at = CreatedAtField()

    class Meta:
        db_table = "password_reset_asks"
        indexes = [
            models.Index(fields=["email", "created_at"], name="password_reset_asks_email_idx"),
            models.Index(fields=["client_ip", "created_at"], name="password_reset_asks_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.client_ip}"
