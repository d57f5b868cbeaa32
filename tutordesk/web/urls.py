from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path, re_path
from django.views.generic import RedirectView

from tutordesk.web import (
    account_views,  # people (CONTRACT §11)
    calendar_views,
    email_views,  # reminders: the admin's email log
    feeds,
    onboarding_views,
    people_views,  # people (CONTRACT §11)
    report_views,
    request_views,
    series_views,
    session_views,
    views,
    webhook_views,
    week_views,
)
from tutordesk.web.forms import EmailAuthenticationForm

app_name = "web"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=EmailAuthenticationForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers (and Django's admin pages, which do not link one) ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True), name="favicon"),
    path("", views.dashboard, name="dashboard"),
    path("sessions/new/", session_views.session_new, name="session-new"),
    path("sessions/bulk/", session_views.sessions_bulk, name="sessions-bulk"),
    path("sessions/<uuid:session_id>/", session_views.session_detail, name="session"),
    path("sessions/<uuid:session_id>/status/", session_views.session_status, name="session-status"),
    path("sessions/<uuid:session_id>/reschedule/", session_views.reschedule_panel, name="session-reschedule"),
    path("sessions/<uuid:session_id>/correction/", session_views.session_correct, name="session-correct"),
    path("sessions/<uuid:session_id>/correct/", session_views.correct_panel, name="session-correct-form"),
    path("sessions/<uuid:session_id>/cancel/", session_views.session_cancel_view, name="session-cancel"),
    path("sessions/<uuid:session_id>/details/", session_views.session_details, name="session-details"),
    path(
        "sessions/<uuid:session_id>/meet-link/retry/", session_views.meet_link_retry, name="meet-link-retry"
    ),
    path("week/", week_views.week, name="week"),
    path("packages/", views.packages, name="packages"),
    path("requests/<uuid:request_id>/packages/", views.package_add, name="package-add"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_log_csv, name="audit-csv"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/outcomes.csv", report_views.reports_csv, name="reports-csv"),
    path("calendar-feed/", calendar_views.calendar_feed, name="calendar-feed"),
    path("calendar-feed/off/", calendar_views.calendar_feed_off, name="calendar-feed-off"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{1,100})\.ics$",
        feeds.calendar_feed_ics,
        name="calendar-feed-ics",
    ),
]
urlpatterns += webhook_views.urlpatterns
# Recurring lessons (CONTRACT §12).
urlpatterns += [
    path("series/<uuid:series_id>/", series_views.series_detail, name="series"),
    path("series/<uuid:series_id>/end/", series_views.series_end_view, name="series-end"),
    path("series/<uuid:series_id>/change/", series_views.series_change_view, name="series-change"),
]
# Requests and matches (CONTRACT §11).
urlpatterns += [
    path("requests/", request_views.requests_list, name="requests"),
    path("requests/new/", request_views.request_new, name="request-new"),
    path("requests/<uuid:request_id>/", request_views.request_detail, name="request"),
    path("requests/<uuid:request_id>/match/", request_views.request_match, name="request-match"),
    path("matches/<uuid:match_id>/end/", request_views.match_end, name="match-end"),
    path("matches/<uuid:match_id>/reassign/", request_views.match_reassign_view, name="match-reassign"),
]
urlpatterns += account_views.urlpatterns + people_views.urlpatterns  # people (CONTRACT §11)
# Import and enrolment (CONTRACT §11)
urlpatterns += onboarding_views.urlpatterns
# The admin's view of reminders and the email outbox (the reminders app).
urlpatterns += email_views.urlpatterns
