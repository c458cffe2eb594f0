import pytest

from dangjian.notifications.channels import MemorySmsChannel


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.NOTIFICATION_CHANNELS = {"sms": "dangjian.notifications.channels.MemorySmsChannel"}
    MemorySmsChannel.outbox.clear()
    yield MemorySmsChannel.outbox
    MemorySmsChannel.outbox.clear()
