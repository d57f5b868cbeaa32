from django.urls import path, re_path

from tutordesk.api.api import api
from tutordesk.api.errors import not_found_view

urlpatterns = [
    path("", api.urls),
    re_path(r"^.*$", not_found_view),
]
