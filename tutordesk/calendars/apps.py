from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "tutordesk.calendars"
    label = "calendars"
