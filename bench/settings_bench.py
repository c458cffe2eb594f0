"""Settings of the check-in benchmark's server: the production settings plus the bare comparison
endpoint (bench/urls_bench.py). Never used by the platform itself."""

from dangjian.settings import *  # noqa: F403 the same stack, one URL more

ROOT_URLCONF = "bench.urls_bench"
