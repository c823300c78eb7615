"""One's own account: log-in and log-out, the password, the second factor and its set-up.

The names carry no namespace: they were the project's before the accounts had a package.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="account-password"),
    path("two-factor/", views.two_factor, name="account-two-factor"),
    path(
        "two-factor/setup/",
        views.two_factor_setup,
        name="account-two-factor-setup",
    ),
    path(
        "two-factor/codes/",
        views.recovery_codes,
        name="account-recovery-codes",
    ),
]
