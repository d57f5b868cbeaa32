"""When a failed webhook is tried again: exponential backoff over more than a day, then `failed`.

After the n-th failed attempt the next one waits `retry_delay(n)`: 15 s, 1 min, 4 min, 16 min,
64 min, about 4¼ h, then 8 h (the cap) for the rest. Ten attempts in all: the last is made about
29¾ hours after the first, so a receiver that is down for a whole day still gets every event.
"""

from __future__ import annotations

from datetime import timedelta

FIRST_DELAY = timedelta(seconds=15)
FACTOR = 4
MAX_DELAY = timedelta(hours=8)
MAX_ATTEMPTS = 10


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after `failed_attempts` (1, 2, …) failed attempts of one round."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts counts from 1")
    # Capped before multiplying, so a large count cannot overflow timedelta.
    exponent = min(failed_attempts - 1, 16)
    return min(FIRST_DELAY * FACTOR**exponent, MAX_DELAY)


def retry_delays() -> list[timedelta]:
    """The waits between the MAX_ATTEMPTS attempts of one round."""
    return [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]


def gives_up_after(failed_attempts: int) -> bool:
    return failed_attempts >= MAX_ATTEMPTS


# Emails: an SMTP server that refuses is tried again on the same schedule, fewer times.
EMAIL_MAX_ATTEMPTS = 6
