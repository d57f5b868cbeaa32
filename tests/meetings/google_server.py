"""A Google-shaped server on 127.0.0.1 for the real Google clients (google-auth and
google-api-python-client) to talk to: an OAuth2 token endpoint that checks the service account's
signed JWT with the key file's public key, and the Calendar API's `events` insert, get, patch and
delete with conference data and a `hangoutLink`, as Google documents them.

It records every request, and fails on purpose when told to (`fail`): an HTTP status, a dropped
connection, or a slow answer.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HOST = "127.0.0.1"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")  # Google's rule: base32hex characters
EVENTS_PATH = re.compile(r"^/calendar/v3/calendars/(?P<calendar>[^/]+)/events(?:/(?P<event>[^/]+))?$")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    subject: str | None = None  # the user the access token acts as
    status: int = 0  # what was answered (0: the connection was dropped)

    @property
    def kind(self) -> str:
        """token | insert | get | patch | delete | other"""
        if self.path == "/token":
            return "token"
        match = EVENTS_PATH.match(self.path)
        if not match:
            return "other"
        if match["event"] is None:
            return "insert" if self.method == "POST" else "other"
        return {"GET": "get", "PATCH": "patch", "DELETE": "delete"}.get(self.method, "other")

    @property
    def calendar_id(self) -> str | None:
        match = EVENTS_PATH.match(self.path)
        return unquote(match["calendar"]) if match else None

    @property
    def event_id(self) -> str | None:
        match = EVENTS_PATH.match(self.path)
        if match and match["event"]:
            return unquote(match["event"])
        if self.kind == "insert":
            return self.json().get("id")
        return None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else {}


# What a fault does: answer this status, drop the connection, or wait before answering.
@dataclass
class Fault:
    match: Callable[[Request], bool]
    action: str  # "status" | "drop" | "slow"
    times: int = 1
    status: int = 500
    seconds: float = 0.0
    after: bool = False  # drop after doing the work (the answer is lost), not before


@dataclass
class GoogleServer:
    public_key: rsa.RSAPublicKey
    client_email: str
    requests: list[Request] = field(default_factory=list)
    events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (calendar, id) → event
    tokens: dict[str, str] = field(default_factory=dict)  # access token → subject
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def root(self) -> str:
        assert self.server is not None
        return f"http://{HOST}:{self.server.server_port}/"

    @property
    def token_uri(self) -> str:
        return self.root + "token"

    def fail(
        self,
        kind: str,
        action: str,
        *,
        times: int = 1,
        status: int = 500,
        seconds: float = 0.0,
        after: bool = False,
    ) -> None:
        """The next `times` requests of `kind` (token, insert, get, patch, delete) fail so."""
        with self.lock:
            self.faults.append(
                Fault(
                    lambda r: r.kind == kind, action, times=times, status=status, seconds=seconds, after=after
                )
            )

    def of_kind(self, *kinds: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.kind in kinds]

    def live_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events.values() if e["status"] != "cancelled"]

    def all_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events.values())

    def wait_for(self, condition: Callable[[], bool], within: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not within {within} s: {what}; requests: {[r.kind for r in self.requests]}"
                )
            time.sleep(0.05)

    # ------------------------------------------------------------ the endpoints

    def answer(self, request: Request) -> tuple[int, dict[str, Any] | None]:
        if request.kind == "token":
            return self._token(request)
        bearer = request.headers.get("authorization", "")
        subject = self.tokens.get(bearer.removeprefix("Bearer ")) if bearer.startswith("Bearer ") else None
        request.subject = subject
        if subject is None:
            return 401, _error(401, "Request had invalid authentication credentials.")
        calendar_id = request.calendar_id
        if calendar_id is None or request.kind == "other":
            return 404, _error(404, "Not Found")
        if calendar_id != subject:
            return 403, _error(403, "The user may not write to this calendar.")
        with self.lock:
            return getattr(self, f"_{request.kind}")(request, calendar_id)

    def _token(self, request: Request) -> tuple[int, dict[str, Any] | None]:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != JWT_BEARER or "assertion" not in form:
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = verify_jwt(form["assertion"], self.public_key)
        except (ValueError, InvalidSignature):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        now = time.time()
        if (
            claims.get("iss") != self.client_email
            # google-auth names Google's token endpoint as the audience wherever it sends the JWT.
            or claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, self.token_uri)
            or CALENDAR_SCOPE not in str(claims.get("scope", "")).split()
            or not claims.get("iat", now + 1) <= now + 5
            or not claims.get("exp", 0) > now
            or not claims.get("sub")
        ):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT claims."}
        token = "ya29." + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = claims["sub"]
        request.subject = claims["sub"]
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599}

    def _insert(self, request: Request, calendar_id: str) -> tuple[int, dict[str, Any] | None]:
        body = request.json()
        event_id = body.get("id") or secrets.token_hex(13)
        if not EVENT_ID.match(event_id):
            return 400, _error(400, "Invalid resource id value.")
        if (calendar_id, event_id) in self.events:
            return 409, _error(409, "The requested identifier already exists.")
        event = {
            **body,
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "organizer": {"email": calendar_id, "self": True},
        }
        create = (body.get("conferenceData") or {}).get("createRequest")
        if create and request.query.get("conferenceDataVersion") == ["1"]:
            if (create.get("conferenceSolutionKey") or {}).get("type") != "hangoutsMeet":
                return 400, _error(400, "Invalid conference type value.")
            code = f"{_letters(3)}-{_letters(4)}-{_letters(3)}"
            link = f"https://meet.google.com/{code}"
            event["hangoutLink"] = link
            event["conferenceData"] = {
                "createRequest": {**create, "status": {"statusCode": "success"}},
                "entryPoints": [{"entryPointType": "video", "uri": link, "label": link[8:]}],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
                "conferenceId": code,
            }
        else:
            event.pop("conferenceData", None)
        self.events[(calendar_id, event_id)] = event
        return 200, event

    def _get(self, request: Request, calendar_id: str) -> tuple[int, dict[str, Any] | None]:
        event = self.events.get((calendar_id, str(request.event_id)))
        return (200, event) if event is not None else (404, _error(404, "Not Found"))

    def _patch(self, request: Request, calendar_id: str) -> tuple[int, dict[str, Any] | None]:
        event = self.events.get((calendar_id, str(request.event_id)))
        if event is None:
            return 404, _error(404, "Not Found")
        for name, value in request.json().items():
            if name not in ("id", "conferenceData", "hangoutLink"):
                event[name] = value
        return 200, event

    def _delete(self, request: Request, calendar_id: str) -> tuple[int, dict[str, Any] | None]:
        event = self.events.get((calendar_id, str(request.event_id)))
        if event is None:
            return 404, _error(404, "Not Found")
        if event["status"] == "cancelled":
            return 410, _error(410, "Resource has been deleted")
        event["status"] = "cancelled"
        return 204, None


def _letters(count: int) -> str:
    return "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(count))


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "errors": [{"message": message}]}}


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(assertion: str, public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims of an RS256 JWT whose signature the public key verifies (else raises)."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    header = json.loads(_b64decode(parts[0]))
    if header.get("alg") != "RS256":
        raise ValueError("not RS256")
    public_key.verify(
        _b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    claims: dict[str, Any] = json.loads(_b64decode(parts[1]))
    return claims


def start_google(
    key_path: Path, client_email: str = "tutordesk@tutordesk-test.iam.gserviceaccount.com"
) -> GoogleServer:
    """Make a throwaway RSA key, start the server, and write the service account's key file
    (its `token_uri` pointing at the server) to `key_path`."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    google = GoogleServer(public_key=private_key.public_key(), client_email=client_email)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            split = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            with google.lock:
                google.requests.append(request)
                fault = next((f for f in google.faults if f.times > 0 and f.match(request)), None)
                if fault is not None:
                    fault.times -= 1
            if fault is not None and fault.action == "slow":
                google.release.wait(fault.seconds)
            if fault is not None and fault.action == "drop" and not fault.after:
                self._drop()
                return
            if fault is not None and fault.action == "status":
                request.status = fault.status
                self._send(fault.status, _error(fault.status, "Backend Error"))
                return
            status, body = google.answer(request)
            if fault is not None and fault.action == "drop":
                self._drop()  # the work is done, the answer lost
                return
            request.status = status
            self._send(status, body)

        def _send(self, status: int, body: dict[str, Any] | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            try:
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (its timeout)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 64

    server = Server((HOST, 0), Handler)
    server.daemon_threads = True
    google.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key_path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "tutordesk-test",
                "private_key_id": secrets.token_hex(20),
                "private_key": pem,
                "client_email": client_email,
                "client_id": "1234567890",
                "auth_uri": google.root + "auth",
                "token_uri": google.token_uri,
            }
        )
    )
    return google


def stop_google(google: GoogleServer) -> None:
    google.release.set()
    assert google.server is not None
    google.server.shutdown()
    google.server.server_close()
