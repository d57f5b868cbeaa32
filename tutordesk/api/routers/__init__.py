"""One router per area of the API; `api.api` mounts them all on /api/v1/."""
