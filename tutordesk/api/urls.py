from django.urls import path, re_path

from tutordesk.api import hot_path
from tutordesk.api.api import api
from tutordesk.api.errors import not_found_view

urlpatterns = [
    # The status update's plain call skips ninja's parsing; anything else it hands to ninja's view.
    path(hot_path.ROUTE, hot_path.sessions_update_status_view, name="sessions_update_status_hot"),
    # /api/v1/ itself is no endpoint (ninja's own root would answer Django's HTML 404 or a redirect).
    path("", not_found_view),
    path("", api.urls),
    re_path(r"^.*$", not_found_view),
]
