from django.conf import settings
from django.conf.urls.static import static
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from petition_site.public.api import api as public_api

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Django's set_language view: the public site's language switcher posts here (X.4).
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("xinfang/", include("petition_site.public.urls"))]

# The JSON API (X.5): OpenAPI schema at /api/schema/, docs at /api/docs/.
urlpatterns += [path("api/", public_api.urls)]

urlpatterns += [path("", include(wagtail_urls))]
