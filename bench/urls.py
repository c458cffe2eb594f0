"""The project's URLs plus ``/__bench__/bare``: a view that does nothing, served through the same
gunicorn workers and middleware, so a load run can report the app's share of each request. Mounted
only by ``bench.settings``."""

from django.http import HttpResponse
from django.urls import path

from dangjian.urls import handler400, handler403, handler404, handler500
from dangjian.urls import urlpatterns as app_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare", bare, name="bench_bare"), *app_urlpatterns]
