"""CKV_GF_4: Macie classification jobs name the buckets to analyse and actually run."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from guardform_common import MISSING, UNRESOLVED, as_bool, as_int, attr, blocks, guideline, is_unresolved, present


def _buckets_state(definition: dict[str, Any]) -> str:
    """ "yes", "no" or "unknown": does one bucket_definitions block name at least one bucket?"""
    buckets = attr(definition, "buckets")
    if buckets is MISSING or buckets is None:
        return "no"
    if buckets is UNRESOLVED or is_unresolved(buckets):
        return "unknown"
    if isinstance(buckets, list):
        # [] is also what checkov makes of a list variable it could not resolve
        return "yes" if any(b not in (None, "") for b in buckets) else "unknown"
    if isinstance(buckets, str):
        return "yes" if buckets.strip() else "no"
    return "unknown"


def _schedule_state(conf: dict[str, Any]) -> str:
    freq = blocks(conf, "schedule_frequency")
    if not freq:
        return "unknown" if attr(conf, "schedule_frequency") is UNRESOLVED else "no"
    states = set()
    for block in freq:
        daily = attr(block, "daily_schedule")
        if as_bool(daily) is True:
            return "yes"
        if daily not in (MISSING, None) and as_bool(daily) is None:
            states.add("unknown")
        for key in ("weekly_schedule", "monthly_schedule"):
            value = attr(block, key)
            if value is UNRESOLVED or is_unresolved(value):
                states.add("unknown")
            elif present(value):
                return "yes"
    return "unknown" if "unknown" in states else "no"


class MacieJobTargetsBuckets(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure Macie classification jobs target S3 buckets, run on a schedule when SCHEDULED, "
            "and sample more than 0% of objects",
            id="CKV_GF_4",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_macie2_classification_job"],
            guideline=guideline(4),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        unknown = False
        failed = False

        # 1. the job targets buckets
        self.evaluated_keys = ["s3_job_definition"]
        definitions = blocks(conf, "s3_job_definition")
        targets = "no"
        for job_def in definitions:
            if blocks(job_def, "bucket_criteria"):
                targets = "yes"
                break
            for bucket_def in blocks(job_def, "bucket_definitions"):
                state = _buckets_state(bucket_def)
                if state == "yes":
                    targets = "yes"
                    break
                if state == "unknown":
                    targets = "unknown"
            if targets == "yes":
                break
        if targets == "no":
            if not definitions and attr(conf, "s3_job_definition") is UNRESOLVED:
                unknown = True
            else:
                self.details.append(
                    "s3_job_definition names no buckets (neither bucket_definitions with buckets nor bucket_criteria)"
                )
                failed = True
        elif targets == "unknown":
            unknown = True

        # 2. a SCHEDULED job has a schedule
        job_type = attr(conf, "job_type")
        if job_type is MISSING or job_type is None:
            self.details.append("job_type is not set")
            failed = True
        elif job_type is UNRESOLVED or not isinstance(job_type, str) or is_unresolved(job_type):
            unknown = True
        elif job_type.strip().upper() == "SCHEDULED":
            self.evaluated_keys.append("schedule_frequency")
            state = _schedule_state(conf)
            if state == "no":
                self.details.append(
                    "a SCHEDULED job without schedule_frequency (daily_schedule = true, "
                    "weekly_schedule or monthly_schedule) never runs"
                )
                failed = True
            elif state == "unknown":
                unknown = True
        elif job_type.strip().upper() != "ONE_TIME":
            unknown = True

        # 3. sampling_percentage, when set, is above 0 (unset means 100)
        sampling = attr(conf, "sampling_percentage")
        if sampling not in (MISSING, None):
            self.evaluated_keys.append("sampling_percentage")
            percent = as_int(sampling)
            if percent is None:
                unknown = True
            elif percent <= 0:
                self.details.append(f"sampling_percentage = {percent}: the job analyses no objects")
                failed = True

        if failed:
            return CheckResult.FAILED
        return CheckResult.UNKNOWN if unknown else CheckResult.PASSED


check = MacieJobTargetsBuckets()
