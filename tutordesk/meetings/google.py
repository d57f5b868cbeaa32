"""Google Calendar through Google's own clients: `google-auth` (a service account with domain-wide
delegation, acting as the tutor) and `google-api-python-client` (the Calendar API, from the
discovery document bundled with the client: nothing is fetched to build it).

Every call goes to `TUTORDESK_GOOGLE_API_URL` (standing for https://www.googleapis.com/) and the
token to the key file's `token_uri`, through one `httplib2.Http` per tutor with the timeout of
`TUTORDESK_GOOGLE_TIMEOUT_SECONDS` and no proxy taken from the environment.

Failures come back as the worker's words (events.jobs): `RetryLater` for what may pass (a 5xx, a
429, a dropped connection, a timeout, a token refused for now), `GiveUp` for what a retry cannot
mend (a request Google calls malformed), `EventExists` when an insert finds the id taken.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from http.client import HTTPException
from typing import Any
from urllib.parse import urljoin

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.oauth2 import service_account
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError

from tutordesk.events.jobs import GiveUp, RetryLater

SCOPES = ["https://www.googleapis.com/auth/calendar.events"]


class EventExists(Exception):
    """events.insert: an event with this id is on the calendar already (HTTP 409)."""


class EventGone(Exception):
    """The event is not on the calendar (HTTP 404 or 410)."""


@dataclass(frozen=True)
class Config:
    key_file: str
    api_url: str
    timeout: int


def config() -> Config:
    if not settings.GOOGLE_SERVICE_ACCOUNT_FILE:
        raise GiveUp("Google is not set up: TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE is empty")
    return Config(
        settings.GOOGLE_SERVICE_ACCOUNT_FILE, settings.GOOGLE_API_URL, settings.GOOGLE_TIMEOUT_SECONDS
    )


@cache
def _discovery_document() -> str:
    document = get_static_doc("calendar", "v3")
    if document is None:  # pragma: no cover (the client ships it)
        raise RuntimeError("google-api-python-client lacks its Calendar v3 discovery document")
    return document


@cache
def _key(key_file: str) -> dict[str, Any]:
    with open(key_file, encoding="utf-8") as file:
        info: dict[str, Any] = json.load(file)
    return info


_local = threading.local()  # httplib2 connections are not for sharing between threads


def _service(subject: str) -> Any:
    """The Calendar API acting as `subject` (a tutor's email): one per tutor and thread, so the
    tutor's access token is reused until it expires."""
    cfg = config()
    services: dict[tuple[str, Config], Any] = _local.__dict__.setdefault("services", {})
    found = services.get((subject, cfg))
    if found is not None:
        return found
    try:
        credentials = service_account.Credentials.from_service_account_info(
            _key(cfg.key_file), scopes=SCOPES, subject=subject
        )
    except (OSError, ValueError) as exc:
        raise GiveUp(f"the service account key cannot be read: {exc}") from exc
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=cfg.timeout, proxy_info=None)
    )
    service = build_from_document(
        _discovery_document(),
        http=http,
        client_options={"api_endpoint": urljoin(cfg.api_url, "calendar/v3/")},
    )
    services[(subject, cfg)] = service
    return service


def _execute(request: Any) -> Any:
    """Run one API request (no retries of the client's own: the worker's backoff is the retry)."""
    try:
        return request.execute(num_retries=0)
    except HttpError as exc:
        status = int(exc.resp.status)
        if status == 409:
            raise EventExists(str(exc)) from exc
        if status in (404, 410):
            raise EventGone(str(exc)) from exc
        if status == 400:
            raise GiveUp(f"Google refused the request (HTTP 400): {exc.reason}") from exc
        raise RetryLater(f"Google answered HTTP {status}: {exc.reason}") from exc
    except RefreshError as exc:
        # The token endpoint said no: delegation not (yet) granted, a disabled account, or a blip.
        raise RetryLater(f"Google refused the service account's token: {exc}") from exc
    except (TransportError, GoogleAuthError) as exc:
        raise RetryLater(f"no answer from Google's token endpoint: {exc}") from exc
    except (OSError, HTTPException, httplib2.HttpLib2Error) as exc:  # refused, dropped, timed out
        raise RetryLater(f"no answer from Google: {type(exc).__name__}: {exc}") from exc


def insert_event(*, calendar_id: str, event_id: str, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """events.insert with a Google Meet conference (`conferenceDataVersion=1`, `requestId`)."""
    event = {
        **body,
        "id": event_id,
        "conferenceData": {
            "createRequest": {"requestId": request_id, "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        },
    }
    events = _service(calendar_id).events()
    answer: dict[str, Any] = _execute(
        events.insert(calendarId=calendar_id, body=event, conferenceDataVersion=1, sendUpdates="none")
    )
    return answer


def get_event(*, calendar_id: str, event_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = _execute(
        _service(calendar_id).events().get(calendarId=calendar_id, eventId=event_id)
    )
    return answer


def patch_event(*, calendar_id: str, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    events = _service(calendar_id).events()
    answer: dict[str, Any] = _execute(
        events.patch(
            calendarId=calendar_id, eventId=event_id, body=body, conferenceDataVersion=1, sendUpdates="none"
        )
    )
    return answer


def delete_event(*, calendar_id: str, event_id: str) -> None:
    """events.delete; an event already gone is deleted."""
    try:
        _execute(
            _service(calendar_id)
            .events()
            .delete(calendarId=calendar_id, eventId=event_id, sendUpdates="none")
        )
    except EventGone:
        return
