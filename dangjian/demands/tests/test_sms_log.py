"""The default SMS backend writes to the log, never with the full mobile number."""

import logging

from dangjian.demands import sms


def test_log_backend_masks_the_mobile(caplog, settings):
    settings.DANGJIAN_SMS_BACKEND = "dangjian.demands.sms.LogBackend"
    with caplog.at_level(logging.INFO, logger="dangjian.sms"):
        sms.send("13812345678", "验证码 123456")
    assert [r.getMessage() for r in caplog.records if r.name == "dangjian.sms"] == ["sms to 138****5678: 验证码 123456"]
    assert "13812345678" not in caplog.text
