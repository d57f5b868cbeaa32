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
# No spaces or control characters anywhere in a URL (the API's JSON Schema pattern says the same).
FORBIDDEN_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
