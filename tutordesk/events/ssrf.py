"""Where a webhook may go: https:// to public addresses only (server-side request forgery guard).

A URL is checked twice: when an admin saves it (a refusal is a `validation_error`) and again at
every delivery, after resolving its host, right before connecting. The delivery then connects to
the very address that was checked (events.http), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot send the request somewhere else.

`settings.WEBHOOKS_ALLOW_PRIVATE` (env TUTORDESK_WEBHOOKS_ALLOW_PRIVATE=1) lifts both rules for
local trials and tests: http:// and loopback or private addresses are then allowed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
# No spaces or control characters anywhere in a URL.
FORBIDDEN_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The form of a new endpoint's URL, written once as a regular expression that is both the API's
# JSON Schema `pattern` and the first check the service makes, so the OpenAPI document and the
# server accept exactly the same text. It uses only what ECMA-262 (JSON Schema), Python and Rust
# (pydantic) read alike: classes, groups, alternation and counts. Every text it admits passes
# `parse_url` (tests/events/test_webhook_url_rule.py proves it with generated URLs); what it cannot
# say, that the host resolves to public addresses only, `check_url` decides.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = rf"{_LABEL}(?:\.{_LABEL})*"  # a DNS name or an IPv4 address, ASCII only
_H16 = r"[0-9A-Fa-f]{1,4}"
# RFC 3986's IPv6address, one line per place of the "::", in hex groups only: an IPv4 address
# written inside an IPv6 one (`::ffff:1.2.3.4`) is written as itself instead.
_LS32 = rf"{_H16}:{_H16}"
_IPV6 = "|".join(
    [
        rf"(?:{_H16}:){{6}}{_LS32}",
        rf"::(?:{_H16}:){{5}}{_LS32}",
        rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
        rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
        rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
        rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
    ]
)
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# A path and query: printable ASCII but `#` (no fragment). An HTTP request line carries ASCII only.
_PATH_AND_QUERY = r"[/?][\x21\x22\x24-\x7e]*"
_AFTER_SCHEME = rf"://(?:{_HOST_NAME}|\[(?:{_IPV6})\])(?::{_PORT})?(?:{_PATH_AND_QUERY})?$"
HTTPS_URL_PATTERN = rf"^https{_AFTER_SCHEME}"
HTTP_OR_HTTPS_URL_PATTERN = rf"^https?{_AFTER_SCHEME}"


class UnsafeUrl(Exception):
    """The URL may not be called; the message says why in plain words."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`), and what to say to it (host, port, path)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent on the request line
    address: str  # the checked IP address to connect to

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def allow_private() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE)


def url_pattern() -> str:
    """The pattern a new endpoint's URL must match: http:// too where private addresses are allowed."""
    return HTTP_OR_HTTPS_URL_PATTERN if allow_private() else HTTPS_URL_PATTERN


def check_new_url(url: object) -> Target:
    """The rule for a URL being saved: `url_pattern()`, then everything `check_url` checks.

    Deliveries check again with `check_url` alone, so an endpoint saved under an older, looser
    form rule keeps being delivered to while it stays safe."""
    if isinstance(url, str) and len(url) <= MAX_URL_LENGTH and not re.fullmatch(url_pattern(), url):
        schemes = "http:// or https://" if allow_private() else "https://"
        raise UnsafeUrl(
            f"The URL must be {schemes}, then a host name or IP address, an optional :port "
            "(1-65535) and an optional path and query in printable ASCII, with no user name "
            "and no #fragment"
        )
    return check_url(url)


def parse_url(url: object) -> SplitResult:
    """The URL's form only (no DNS): https:// (or http:// where allowed), a host, no credentials."""
    if not isinstance(url, str) or not url:
        raise UnsafeUrl("The URL is required")
    if len(url) > MAX_URL_LENGTH or FORBIDDEN_URL_CHARACTERS.search(url):
        raise UnsafeUrl(f"The URL must be at most {MAX_URL_LENGTH} characters, without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"The URL is not valid: {exc}") from exc
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl("The URL must start with https://")
    if not parts.hostname:
        raise UnsafeUrl("The URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL must not carry a user name or password; the signature proves the sender")
    if parts.fragment:
        raise UnsafeUrl("The URL must not have a #fragment")
    if port == 0:
        raise UnsafeUrl("The URL's port must be between 1 and 65535")
    return parts


def refusal(address: IPAddress) -> str | None:
    """Why an address is not public (None when it is). IPv4 inside IPv6 is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None:
            return refusal(embedded)
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
        ("is_site_local", "a site-local address"),  # IPv6 only
    )
    for attribute, words in checks:
        if getattr(address, attribute, False):
            return words
    if not address.is_global:
        return "an address that is not public"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (a literal address is itself; no DNS is asked then)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeUrl(f"The host {host!r} does not resolve") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        address = ipaddress.ip_address(text)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"The host {host!r} does not resolve")
    return addresses


def check_url(url: object) -> Target:
    """Parse, resolve and check a URL; raise UnsafeUrl unless every address it resolves to may be
    called. Returns where to connect: the first checked address."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not allow_private():
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise UnsafeUrl(f"The host {host!r} resolves to {reason} ({address}); only public addresses")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))
