"""Every app owns its pages (`<app>/urls.py`, namespaced) and its API (`<app>/api_urls.py`,
mounted under /api/)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from accounts.throttles import throttle_posts
from coop.core.views import home
from coop.ops import views as ops_views

APPS = [
    ("accounts", "accounts"),
    ("coop.federation", "federation"),
    ("coop.eventlog", "eventlog"),
    ("ledger", "ledger"),
    ("tasks", "tasks"),
    ("tasks.qualifications", "qualifications"),
    ("tasks.appeals", "appeals"),
    ("tasks.webhooks", "webhooks"),
    ("tasks.quality", "quality"),
    ("coop.governance", "governance"),
    ("coop.forums", "forums"),
]

urlpatterns = [
    path("", home, name="home"),
    path("i18n/setlang/", account_views.language_switch, name="set_language"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # Django's password reset, its POSTs throttled per IP (docs/security.md "Throttling");
    # log-in is Django's own, with django-axes' lockout.
    path("accounts/password_reset/", throttle_posts("password_reset")(auth_views.PasswordResetView.as_view()),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (no inline script under the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # the MTurk-compatible requester API: endpoint_url=https://<host>/mturk/ (docs/mturk.md)
    path("mturk/", include(("tasks.mturk.urls", "mturk"))),
]
handler400 = "coop.core.views.bad_request"
handler403 = "coop.core.views.permission_denied"
handler404 = "coop.core.views.page_not_found"
handler500 = "coop.core.views.server_error"

# Every app's API under one "api/" prefix, before the pages: a request for /api/… is matched
# against the APIs only, not first against every app's pages (issue 18: a member API request
# tried about 160 patterns, a tenth of its CPU). No page's route starts with "api/".
urlpatterns.append(path("api/", include([path("", include((f"{module}.api_urls", f"{namespace}-api")))
                                          for module, namespace in APPS])))
urlpatterns += [path("", include((f"{module}.urls", namespace))) for module, namespace in APPS]
