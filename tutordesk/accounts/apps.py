from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tutordesk.accounts"
    label = "accounts"
