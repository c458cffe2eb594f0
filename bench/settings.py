"""Settings for benchmark servers only (``DJANGO_SETTINGS_MODULE=bench.settings``): the project's
settings plus a bare endpoint (``bench.urls``) to compare the app's pages with the stack alone.
Never used in production: nothing in ``dangjian`` imports this module."""

from dangjian.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
