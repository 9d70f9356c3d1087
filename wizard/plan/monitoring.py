"""CloudTrail, S3 data events, log retention and the security alerts topic (catalog §6)."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.plan.facts import Facts
from wizard.plan.model import MonitoringPlan
from wizard.plan.section import Ledger, Section


def decide_monitoring(answers: Answers, f: Facts) -> Section[MonitoringPlan]:
    data_events = "all" if f.restricted else "write" if f.conf else "none"
    email = answers.monitoring.alert_email
    monitoring = MonitoringPlan(
        data_events=data_events, data_event_buckets=("training_data", "model_artifacts"), alert_email=email
    )
    led = Ledger()
    led.control(
        "monitoring.cloudtrail",
        "Multi-region CloudTrail with log file validation, KMS, CloudWatch Logs delivery and SNS",
        on=True,
        reason="always",
        module="monitoring",
        checks=("CKV_AWS_35", "CKV_AWS_36", "CKV_AWS_67", "CKV_AWS_251", "CKV_AWS_252", "CKV2_AWS_10"),
    )
    led.control(
        "monitoring.s3_data_events",
        "CloudTrail S3 data events on training data and artifacts ("
        + {"all": "reads and writes", "write": "writes", "none": "off"}[data_events]
        + ")",
        on=data_events != "none",
        reason=f.tier_says if data_events != "none" else f"on from confidential; {f.tier_says}",
        module="monitoring",
    )
    led.control(
        "monitoring.log_retention",
        f"Log groups encrypted with the logs key, kept {f.retention} days",
        on=True,
        reason=f.retention_reason,
        module="monitoring",
        checks=("CKV_AWS_158", "CKV_AWS_66", "CKV_AWS_338"),
    )
    led.control(
        "monitoring.alerts",
        "Security alerts topic encrypted with a customer managed key",
        on=True,
        reason="always"
        + (f"; email to {email}" if email else "; subscribe your own endpoint (monitoring.alert_email not set)"),
        module="monitoring",
        checks=("CKV_AWS_26", "CKV_GF_5"),
    )
    return led.section(monitoring)
