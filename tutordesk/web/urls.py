from django.contrib.auth import views as auth_views
from django.urls import path

from tutordesk.web import views
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
    path("", views.dashboard, name="dashboard"),
    path("sessions/<uuid:session_id>/status/", views.session_status, name="session-status"),
    path("sessions/<uuid:session_id>/correction/", views.session_correct, name="session-correct"),
    path("packages/", views.packages, name="packages"),
    path("requests/<uuid:request_id>/packages/", views.package_add, name="package-add"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_log_csv, name="audit-csv"),
]
