import pytest

from dangjian.demands.sms import MemoryBackend


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.DANGJIAN_SMS_BACKEND = "dangjian.demands.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()
