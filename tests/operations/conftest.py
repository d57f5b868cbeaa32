from tests.api.conftest import admin_api, anonymous_api, tutor_api  # noqa: F401 (fixtures)
