"""Forms of the requests pages (CONTRACT §11): people are chosen by name, never typed as ids.
They only parse input; every write goes through a service."""

from __future__ import annotations

from typing import Any

from django import forms

from tutordesk.accounts.models import Role, User
from tutordesk.scheduling.services import MAX_REASON_LENGTH
from tutordesk.tutoring.models import TutoringRequest
from tutordesk.web.forms import INPUT_CLASSES, IdempotentForm, StyledForm


class PersonChoice(forms.ModelChoiceField):
    """A select of people of one role, each shown by name and email."""

    def __init__(self, role: str, **kwargs: Any) -> None:
        people = User.objects.filter(role=role, is_active=True).order_by("name", "email")
        super().__init__(queryset=people, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.email})" if obj.name else obj.email


class StyledWriteForm(IdempotentForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", INPUT_CLASSES)


class RequestForm(StyledWriteForm):
    student = PersonChoice(Role.STUDENT, label="Student", empty_label="Choose a student")
    subject = forms.CharField(label="Subject", max_length=200)


class MatchForm(StyledWriteForm):
    tutor = PersonChoice(Role.TUTOR, label="Tutor", empty_label="Choose a tutor")


class EndMatchForm(StyledWriteForm):
    reason = forms.CharField(label="Reason", max_length=MAX_REASON_LENGTH)


class ReassignForm(StyledWriteForm):
    tutor = PersonChoice(Role.TUTOR, label="New tutor", empty_label="Choose a tutor")
    reason = forms.CharField(label="Reason", max_length=MAX_REASON_LENGTH)


STATUS_CHOICES = [("", "Any status"), *TutoringRequest.Status.choices]


class RequestFilterForm(StyledForm):
    student = forms.CharField(label="Student", required=False, max_length=200)
    subject = forms.CharField(label="Subject", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
