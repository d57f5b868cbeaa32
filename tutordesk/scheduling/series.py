"""Recurring lessons (CONTRACT §12): a series laid out from a weekly rule, ended from a date, or
changed from one occurrence on ("change this and following").

The rule is RFC 5545 (`FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;COUNT=10`), expanded by dateutil's
rrule on the wall-clock time of the start in the series' time zone, so 16:00 in Europe/Berlin
stays 16:00 on both sides of a daylight-saving change. A wall-clock time that does not exist on
some date (02:30 on a spring-forward night) or exists twice (an autumn night) is refused in words
naming the date: the business says which it means by choosing another time.

Every occurrence is checked against the tutor's other scheduled lessons and against the other
occurrences under the tutor's row lock before anything is written, and then made through
`services.new_session`, so meeting links, audit rows and events are those of any other booking.
Each function joins the caller's transaction, as the session services do.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrulestr  # type: ignore[import-untyped]  # dateutil ships no type hints
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from tutordesk.accounts.access import require_staff
from tutordesk.accounts.models import User
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import batched_inserts
from tutordesk.core.errors import NotFound, TutorDoubleBooked, ValidationError, require
from tutordesk.core.validation import (
    clean_aware_datetime,
    clean_int,
    clean_meet_link,
    clean_text,
    in_time_range,
)
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.scheduling.audit import SeriesCreated, SeriesEnded, SessionCreated, SessionSeriesEnded
from tutordesk.scheduling.clashes import Clash, Slot, find_clashes, lock_tutor
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, Series, Session
from tutordesk.scheduling.selectors import session_is_visible, sessions_visible_to
from tutordesk.scheduling.services import MAX_REASON_LENGTH, new_sessions
from tutordesk.scheduling.shapes import session_dict
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, TutoringRequest

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_OCCURRENCES = 100
MIN_INTERVAL, MAX_INTERVAL = 1, 4


@dataclass(frozen=True)
class Rule:
    """A weekly rule, checked: the RFC 5545 text and the wall-clock start it is read from."""

    local_start: datetime  # naive: the wall-clock time in `timezone`
    timezone: str
    interval: int
    weekdays: tuple[str, ...]
    count: int | None
    until: date | None

    @property
    def rrule(self) -> str:
        parts = [f"FREQ=WEEKLY;INTERVAL={self.interval};BYDAY={','.join(self.weekdays)}"]
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            # Floating, as the start is: the last moment of that day in the series' time zone.
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        return ";".join(parts)


@dataclass(frozen=True)
class Occurrence:
    """One lesson of a preview: its start and, if it clashes, the first clash."""

    scheduled_start_at: datetime
    conflict: Clash | None

    def as_json(self) -> dict[str, Any]:
        return {
            "scheduled_start_at": self.scheduled_start_at.isoformat(),
            "conflict": self.conflict.as_json() if self.conflict else None,
        }


@dataclass(frozen=True)
class SeriesMade:
    series: Series
    sessions: list[Session]


@dataclass(frozen=True)
class SeriesPreview:
    occurrences: list[Occurrence]
    match: Match

    @property
    def clashes(self) -> int:
        return sum(1 for occurrence in self.occurrences if occurrence.conflict is not None)


@dataclass(frozen=True)
class SeriesEnd:
    series: Series
    ended: int


def clean_timezone(value: object, *, field: str = "timezone") -> ZoneInfo:
    if not isinstance(value, str) or value not in zone_names():
        raise ValidationError(
            f"{field} must be a time zone name such as Europe/Berlin or America/New_York",
            field=field,
            reason="unknown_timezone",
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover (listed but unreadable)
        raise ValidationError(f"{field}: unknown time zone", field=field, reason="unknown_timezone") from exc


def zone_names() -> set[str]:
    """Every IANA time zone name this machine knows."""
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


_ZONES: set[str] | None = None


def local_instant(local: datetime, zone: ZoneInfo, *, field: str = "start_at") -> datetime:
    """The instant of a wall-clock time in `zone`; refused in words when that time does not exist
    on that date (clocks jump over it) or exists twice (clocks go back through it)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    when = f"{local:%a %-d %b %Y} at {local:%H:%M}"
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree: the time is either skipped (the round trip moves it) or doubled.
        skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local
        if skipped:
            raise ValidationError(
                f"{field}: {when} does not exist in {zone.key} (the clocks jump forward that night); "
                "choose another time",
                field=field,
                reason="nonexistent_local_time",
            )
        raise ValidationError(
            f"{field}: {when} happens twice in {zone.key} (the clocks go back that night); "
            "choose another time",
            field=field,
            reason="ambiguous_local_time",
        )
    return first.astimezone(UTC)


def clean_rule(
    *,
    start_at: datetime,
    timezone: object,
    interval: object = None,
    weekdays: Sequence[object] | None = None,
    count: object = None,
    until: object = None,
    local: bool = False,
) -> Rule:
    """Check a weekly rule (each refusal names its field and creates nothing). `start_at` is an
    aware instant, or with `local=True` a naive wall-clock time in `timezone` (the pages' form)."""
    zone = clean_timezone(timezone)
    if local:
        if start_at.tzinfo is not None:
            start_at = start_at.replace(tzinfo=None)
        local_instant(start_at, zone)
        local_start = start_at
    else:
        local_start = clean_aware_datetime(start_at, field="start_at").astimezone(zone).replace(tzinfo=None)
    local_start = local_start.replace(second=0, microsecond=0)
    interval = MIN_INTERVAL if interval is None else interval
    interval = clean_int(interval, field="interval", minimum=MIN_INTERVAL, maximum=MAX_INTERVAL)
    if weekdays is None:
        days: tuple[str, ...] = (WEEKDAYS[local_start.weekday()],)
    else:
        if isinstance(weekdays, str) or not all(isinstance(day, str) for day in weekdays):
            raise ValidationError('weekdays must be a list such as ["MO", "TH"]', field="weekdays")
        wrong = [str(day) for day in weekdays if str(day).upper() not in WEEKDAYS]
        require(
            not wrong,
            ValidationError,
            f"weekdays: {', '.join(repr(day) for day in wrong)} is not one of MO, TU, WE, TH, FR, SA, SU",
            field="weekdays",
            reason="unknown_weekday",
        )
        chosen = {str(day).upper() for day in weekdays}
        require(bool(chosen), ValidationError, "weekdays: choose at least one day", field="weekdays")
        days = tuple(day for day in WEEKDAYS if day in chosen)
    require(
        not (count is not None and until is not None),
        ValidationError,
        "count and until: give one of them, not both (a number of lessons, or the last date)",
        field="count",
        reason="count_and_until",
    )
    require(
        count is not None or until is not None,
        ValidationError,
        "count or until: give one of them (a number of lessons, or the last date)",
        field="count",
        reason="count_or_until",
    )
    clean_count: int | None = None
    clean_until: date | None = None
    if count is not None:
        clean_count = clean_int(count, field="count", minimum=1, maximum=MAX_OCCURRENCES)
    else:
        if isinstance(until, datetime) or not isinstance(until, date):
            raise ValidationError("until must be a date such as 2027-06-30", field="until")
        require(
            in_time_range(until),
            ValidationError,
            "until must be a date in the years 2000–2099",
            field="until",
            reason="out_of_range",
        )
        require(
            until >= local_start.date(),
            ValidationError,
            f"until ({until:%Y-%m-%d}) is before the first lesson ({local_start:%Y-%m-%d})",
            field="until",
            reason="until_before_start",
        )
        clean_until = until
    return Rule(
        local_start=local_start,
        timezone=zone.key,
        interval=interval,
        weekdays=days,
        count=clean_count,
        until=clean_until,
    )


def expand(rule: Rule) -> list[datetime]:
    """Each occurrence's instant (UTC), in order; refused when there are more than 100, or one
    falls on a wall-clock time that does not exist or exists twice in the series' time zone."""
    zone = ZoneInfo(rule.timezone)
    starts: list[datetime] = []
    for local in rrulestr(rule.rrule, dtstart=rule.local_start):
        if len(starts) == MAX_OCCURRENCES:
            raise ValidationError(
                f"until: that makes more than {MAX_OCCURRENCES} lessons; choose an earlier date "
                "or a number of lessons",
                field="until",
                reason="too_many_occurrences",
            )
        instant = local_instant(local, zone)
        if not in_time_range(instant):
            raise ValidationError(
                "until: every lesson must fall in the years 2000–2099", field="until", reason="out_of_range"
            )
        starts.append(instant)
    require(
        bool(starts),
        ValidationError,
        "until: no lesson falls on the chosen weekdays by then",
        field="until",
        reason="no_occurrences",
    )
    return starts


def _match_for(match_id: uuid.UUID | str, actor: User, *, lock: bool = False) -> Match:
    """The match lessons are booked on, active; `lock` (to book) takes its row first, in the read,
    so an end or a reassignment of the match waits for the booking or the booking for it."""
    matches = Match.objects.select_related("request")
    if lock:
        matches = matches.select_for_update(no_key=True, of=("self",))
    try:
        match = matches.get(pk=match_id)
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
    require(actor.is_admin or match.tutor_id == actor.id, NotFound, "No such match")
    require(
        match.status == Match.Status.ACTIVE,
        ValidationError,
        "This match has ended; lessons can only be added to an active match",
        field="match_id",
        reason="match_ended",
    )
    return match


def _clean_duration(duration_minutes: object) -> int:
    return clean_int(
        duration_minutes, field="duration_minutes", minimum=MIN_DURATION_MINUTES, maximum=MAX_DURATION_MINUTES
    )


def series_preview(
    *, match_id: uuid.UUID | str, rule: Rule, duration_minutes: int, actor: User
) -> SeriesPreview:
    """Each occurrence with its first clash (or None); creates nothing."""
    require_staff(actor, "schedule lessons")
    duration_minutes = _clean_duration(duration_minutes)
    match = _match_for(match_id, actor)
    starts = expand(rule)
    clashes = find_clashes(tutor_id=match.tutor_id, slots=[Slot(start, duration_minutes) for start in starts])
    first: dict[datetime, Clash] = {}
    for clash in clashes:
        first.setdefault(clash.scheduled_start_at, clash)
    return SeriesPreview(occurrences=[Occurrence(start, first.get(start)) for start in starts], match=match)


@transaction.atomic(savepoint=False)
def series_create(
    *,
    match_id: uuid.UUID | str,
    rule: Rule,
    duration_minutes: int,
    actor: User,
    meet_link: str | None = None,
    replaces: Series | None = None,
) -> SeriesMade:
    """Book every occurrence of the rule, or none: any clash → `tutor_double_booked` listing them all."""
    require_staff(actor, "schedule lessons")
    duration_minutes = _clean_duration(duration_minutes)
    meet_link = clean_meet_link(meet_link)
    match = _match_for(match_id, actor, lock=True)
    starts = expand(rule)
    slots = [Slot(start, duration_minutes) for start in starts]
    lock_tutor(match.tutor_id)
    clashes = find_clashes(tutor_id=match.tutor_id, slots=slots)
    if clashes:
        raise TutorDoubleBooked(
            f"{len({clash.scheduled_start_at for clash in clashes})} of the {len(slots)} lessons "
            "clash with the tutor's other lessons or with each other; nothing was booked",
            conflicting_session_id=str(clashes[0].conflicting_session_id)
            if clashes[0].conflicting_session_id
            else None,
            conflicting_start_at=clashes[0].conflicting_start_at.isoformat(),
            conflicts=[clash.as_json() for clash in clashes],
        )
    with batched_inserts():
        series = Series.objects.create(
            match=match,
            start_at=starts[0],
            rrule=rule.rrule,
            timezone=rule.timezone,
            duration_minutes=duration_minutes,
            meet_link=meet_link,
            created_by=actor,
            replaces=replaces,
        )
        sessions = new_sessions(
            match=match,
            student_id=match.request.student_id,
            starts=starts,
            duration_minutes=duration_minutes,
            meet_link=meet_link,
            actor=actor,
            series=series,
        )
        for session in sessions:
            audit_log_write(
                actor=actor,
                entity_id=session.id,
                details=SessionCreated(
                    match_id=match.id,
                    scheduled_start_at=session.scheduled_start_at,
                    duration_minutes=duration_minutes,
                    meet_link=session.meet_link,
                ),
            )
        audit_log_write(
            actor=actor,
            entity_id=series.id,
            details=SeriesCreated(
                match_id=match.id,
                rrule=series.rrule,
                timezone=series.timezone,
                start_at=starts[0],
                duration_minutes=duration_minutes,
                sessions=len(sessions),
                meet_link=meet_link,
                replaces_series_id=replaces.id if replaces else None,
            ),
        )
        events_record(
            changes=[NewEvent(EventType.SESSION_CREATED, {"session": session_dict(s)}) for s in sessions]
        )
    return SeriesMade(series=series, sessions=sessions)


def series_get(*, series_id: uuid.UUID | str, user: User) -> Series:
    """The series if this user may see its lessons; NotFound otherwise."""
    try:
        series = Series.objects.select_related("match", "match__request").get(pk=series_id)
    except (Series.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such series") from exc
    if not user.is_admin:
        require(sessions_visible_to(user).filter(series_id=series.id).exists(), NotFound, "No such series")
    return series


def series_sessions(series: Series) -> list[Session]:
    return list(series.sessions.order_by("scheduled_start_at", "id"))


def _series_for_change(series_id: uuid.UUID | str, actor: User) -> Series:
    require_staff(actor, "change a series")
    series = series_get(series_id=series_id, user=actor)
    require(actor.is_admin or series.match.tutor_id == actor.id, NotFound, "No such series")
    return series


@transaction.atomic(savepoint=False)
def series_end(
    *, series_id: uuid.UUID | str, from_: datetime, reason: str, actor: User, _series: Series | None = None
) -> SeriesEnd:
    """Every occurrence still scheduled at or after `from_` leaves the schedule (`rescheduled`,
    no charge, no replacement, audited with the reason); earlier ones keep what they have."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=True).strip()
    from_ = clean_aware_datetime(from_, field="from")
    series = _series if _series is not None else _series_for_change(series_id, actor)
    # Lock order: the match row (as a reassignment of it does, before its lessons), then the
    # request (which serialises every change of its lessons), then the lessons.
    Match.objects.select_for_update(no_key=True).filter(pk=series.match_id).exists()
    TutoringRequest.objects.select_for_update(no_key=True).filter(pk=series.match.request_id).exists()
    leaving = list(
        Session.objects.select_for_update(no_key=True)
        .filter(series_id=series.id, status=SessionStatus.SCHEDULED, scheduled_start_at__gte=from_)
        .order_by("scheduled_start_at", "id")
    )
    now = clock.now()
    if leaving:
        Session.objects.filter(pk__in=[s.id for s in leaving], status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.RESCHEDULED, updated_by=actor, updated_at=now
        )
    for session in leaving:
        session.status = SessionStatus.RESCHEDULED
        session.updated_by = actor
        session.updated_at = now
        audit_log_write(
            actor=actor, entity_id=session.id, details=SessionSeriesEnded(series_id=series.id, reason=reason)
        )
    Series.objects.filter(pk=series.id, ended_at__isnull=True).update(ended_at=now)
    series.refresh_from_db(fields=["ended_at"])
    audit_log_write(
        actor=actor,
        entity_id=series.id,
        details=SeriesEnded(from_at=from_, reason=reason, ended=len(leaving)),
    )
    events_record(
        changes=[
            NewEvent(
                EventType.SESSION_STATUS_UPDATED,
                {"session": session_dict(session), "package": None, "replacement_session": None},
            )
            for session in leaving
        ]
    )
    return SeriesEnd(series=series, ended=len(leaving))


@transaction.atomic(savepoint=False)
def series_change_following(
    *,
    session_id: uuid.UUID | str,
    rule: Rule,
    duration_minutes: int,
    reason: str,
    actor: User,
    meet_link: str | None = None,
) -> tuple[SeriesEnd, SeriesMade]:
    """ "Change this and following": end the series from this occurrence and lay out the new
    series, in one transaction (a clash in the new one undoes the end too)."""
    require_staff(actor, "change a series")
    try:
        session = Session.objects.get(pk=session_id)
    except (Session.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such session") from exc
    require(session_is_visible(session, actor) and session.series_id is not None, NotFound, "No such session")
    series = _series_for_change(session.series_id, actor)  # type: ignore[arg-type]  # checked just above
    ended = series_end(
        series_id=series.id, from_=session.scheduled_start_at, reason=reason, actor=actor, _series=series
    )
    made = series_create(
        match_id=series.match_id,
        rule=rule,
        duration_minutes=duration_minutes,
        actor=actor,
        meet_link=meet_link if meet_link is not None else series.meet_link,
        replaces=series,
    )
    return ended, made


def series_local_start(series: Series) -> datetime:
    """The first lesson's wall-clock time in the series' time zone."""
    return series.start_at.astimezone(ZoneInfo(series.timezone))
