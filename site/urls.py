from django.conf import settings
from django.conf.urls.static import static
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from petition_site.health import healthz
from petition_site.public.api import api as public_api
from petition_site.security.csp import csp_report

# An uncaught exception: 503 when the database or the cache is down, else a 500 page.
handler500 = "petition_site.outage.server_error"

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Django's set_language view: the public site's language switcher posts here (X.4).
    path("i18n/", include("django.conf.urls.i18n")),
    # For the operator's monitor: database, cache and worker.
    path("healthz", healthz, name="healthz"),
    # Browsers report Content-Security-Policy violations here; they are logged.
    path("csp-report/", csp_report, name="csp_report"),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("xinfang/", include("petition_site.public.urls"))]

# The JSON API (X.5): OpenAPI schema at /api/schema/, docs at /api/docs/.
urlpatterns += [path("api/", public_api.urls)]

urlpatterns += [path("", include(wagtail_urls))]
