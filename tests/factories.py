from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from tutordesk.accounts.models import Role, User
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Faker("name")
    role = Role.STUDENT
    timezone = "UTC"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save(update_fields=["password"])


class StudentFactory(UserFactory):
    role = Role.STUDENT
    email = factory.Sequence(lambda n: f"student{n}@example.test")


class TutorFactory(UserFactory):
    role = Role.TUTOR
    email = factory.Sequence(lambda n: f"tutor{n}@example.test")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@example.test")


class RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TutoringRequest

    student = factory.SubFactory(StudentFactory)
    subject = "Algebra"
    status = TutoringRequest.Status.MATCHED


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    request = factory.SubFactory(RequestFactory)
    tutor = factory.SubFactory(TutorFactory)


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    request = factory.SubFactory(RequestFactory)
    sessions_total = 10


class SessionFactory(factory.django.DjangoModelFactory):
    """A scheduled session that started an hour ago (ready for an outcome)."""

    class Meta:
        model = Session

    match = factory.SubFactory(MatchFactory)
    request = factory.LazyAttribute(lambda o: o.match.request)
    tutor = factory.LazyAttribute(lambda o: o.match.tutor)
    student = factory.LazyAttribute(lambda o: o.match.request.student)
    scheduled_start_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    duration_minutes = 60
    meet_link = "https://meet.example.com/abc-defg-hij"
