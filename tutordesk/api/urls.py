from django.urls import path, re_path

from tutordesk.api.api import api
from tutordesk.api.errors import not_found_view

urlpatterns = [
    # /api/v1/ itself is no endpoint (ninja's own root would answer Django's HTML 404 or a redirect).
    path("", not_found_view),
    path("", api.urls),
    re_path(r"^.*$", not_found_view),
]
