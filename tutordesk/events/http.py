"""One webhook request: to the checked address, with timeouts, reading at most a few kilobytes.

urllib3 connects to the IP address events.ssrf checked while TLS still verifies the certificate
for the URL's host name (`server_hostname`, `assert_hostname`) and the `Host` header names it.
Redirects are not followed (a 3xx is a failed attempt): following one would go somewhere unchecked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from tutordesk.events.ssrf import Target, UnsafeUrl, check_url

MAX_RESPONSE_BYTES = 16 * 1024
MAX_CONNECT_SECONDS = 5.0
USER_AGENT = "Tutordesk-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What came back: a status code (None when there was no HTTP answer), an error, the time."""

    status_code: int | None
    error: str
    duration_ms: int
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to `url` after the SSRF check; never raises for a network failure."""
    started = time.monotonic()

    def answer(status_code: int | None, error: str, text: str = "") -> Answer:
        return Answer(status_code, error, int((time.monotonic() - started) * 1000), text)

    try:
        target = check_url(url)
    except UnsafeUrl as exc:
        return answer(None, f"refused before sending: {exc}")
    try:
        return _send(target, body=body, headers=headers, timeout=timeout, started=started)
    except (Urllib3Error, OSError) as exc:
        return answer(None, _describe(exc))


def _send(target: Target, *, body: bytes, headers: dict[str, str], timeout: float, started: float) -> Answer:
    limits = urllib3.Timeout(connect=min(MAX_CONNECT_SECONDS, timeout), read=timeout)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=limits,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=limits, retries=False, maxsize=1
        )
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": target.host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            text = _read_limited(response, deadline=started + MAX_CONNECT_SECONDS + timeout)
        finally:
            response.release_conn()
            response.close()
    finally:
        pool.close()
    duration = int((time.monotonic() - started) * 1000)
    error = "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    return Answer(response.status, error, duration, text)


def _read_limited(response: urllib3.BaseHTTPResponse, *, deadline: float) -> str:
    """At most MAX_RESPONSE_BYTES of the body, and no longer than the deadline: the rest is cut."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_RESPONSE_BYTES and time.monotonic() < deadline:
        chunk = response.read(min(4096, MAX_RESPONSE_BYTES - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _describe(exc: BaseException) -> str:
    """Plain words for a network failure (no stack trace in the delivery log)."""
    text = str(exc)
    for marker, words in (
        ("timed out", "timed out"),
        ("Read timed out", "timed out waiting for the answer"),
        ("Connection refused", "connection refused"),
        ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not valid for the host"),
    ):
        if marker in text:
            return words
    return f"{type(exc).__name__}: {text}"[:500]
