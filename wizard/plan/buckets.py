"""S3 buckets: which buckets, each with its encryption key, logging, lock, replication and policy (§4)."""

from __future__ import annotations

from dataclasses import replace

from wizard.answers import Answers
from wizard.plan import bucket_policies as bp
from wizard.plan.facts import Facts
from wizard.plan.model import BucketPlan, ObjectLock, ReplicationPlan, StoragePlan
from wizard.plan.policy import PolicyDocument, SizeEnv, check_size, key_arn
from wizard.plan.section import Ledger, Section

# The buckets people and jobs read and write (the others receive service deliveries).
DATA_BUCKETS = ("training_data", "model_artifacts")
_NO_POLICY_YET = PolicyDocument(kind="bucket", statements=())


def _key_purpose(bucket_name: str, key: str) -> str:
    """The entry of var.kms_key_arns a bucket names: the single key serves every purpose under each name."""
    if key != "main":
        return key
    return {"training_data": "data", "model_artifacts": "artifacts"}.get(bucket_name, "logs")


def short_name(bucket_name: str) -> str:
    return {"training_data": "data", "model_artifacts": "artifacts"}.get(bucket_name, bucket_name.replace("_", "-"))


def bucket_prefix(name_prefix: str, short: str) -> str:
    """A bucket_prefix of at most 37 characters (AWS appends 26): '<name>-<env>-<purpose>-'."""
    room = 37 - len(short) - 2
    base = name_prefix[:room].rstrip("-")
    return f"{base}-{short}-"


def audit_lock(answers: Answers, f: Facts) -> ObjectLock | None:
    """Object lock on the audit bucket: COMPLIANCE for restricted prod data, GOVERNANCE from confidential."""
    if f.restricted:
        mode = "COMPLIANCE" if answers.project.environment.value == "prod" else "GOVERNANCE"
        return ObjectLock(mode=mode, days=max(365, f.retention))
    if f.conf:
        return ObjectLock(mode="GOVERNANCE", days=max(365, f.retention))
    return None


class _Factory:
    """Builds BucketPlans with the settings every bucket shares for these answers."""

    def __init__(self, f: Facts) -> None:
        self.f = f
        self.noncurrent = 365 if f.conf else 90

    def __call__(
        self,
        name: str,
        purpose: str,
        short: str,
        key: str | None,
        *,
        log_to: str | None = "access_logs",
        lock: ObjectLock | None = None,
        writers: tuple[str, ...] = (),
        data_bucket: bool = False,
        provider: str = "aws",
        replica_of: str | None = None,
    ) -> BucketPlan:
        f = self.f
        return BucketPlan(
            name=name,
            purpose=purpose,
            bucket_prefix=bucket_prefix(f.name_prefix, short),
            key=key,
            log_to=log_to,
            log_prefix=f"{name}/",
            eventbridge=True,
            # Locked versions cannot expire before their retention ends.
            noncurrent_days=max(self.noncurrent, lock.days) if lock else self.noncurrent,
            object_lock=lock,
            replicate=f.replica_region is not None and data_bucket and replica_of is None,
            # The perimeter names this region's S3 endpoint; replicas in the other region are reached by
            # the replication role and admins only, and are covered by the same TLS and key controls.
            perimeter=f.conf and data_bucket and replica_of is None,
            # Only on buckets people and jobs write to: service deliveries (CloudTrail, Macie, Bedrock
            # logging) rely on the bucket default encryption and must never be refused.
            deny_wrong_key=f.conf and data_bucket and key is not None,
            writers=writers,
            replica_of=replica_of,
            provider=provider,
            kms_key_arn=key_arn(_key_purpose(name, key)) if key else None,
            policy=_NO_POLICY_YET,
        )


def _buckets(answers: Answers, f: Facts) -> StoragePlan:
    bucket = _Factory(f)
    buckets = [
        bucket("training_data", "Training data", "data", f.data_key, data_bucket=True),
        bucket("model_artifacts", "Model artifacts", "artifacts", f.art_key, data_bucket=True),
        bucket(
            "access_logs",
            "S3 server access logs of the other buckets",
            "access-logs",
            None,
            log_to=None,
            writers=("logging.s3.amazonaws.com",),
        ),
        bucket(
            "audit",
            "CloudTrail audit logs",
            "audit",
            f.log_key,
            lock=audit_lock(answers, f),
            writers=("cloudtrail.amazonaws.com",),
        ),
    ]
    if f.macie_export:
        buckets.append(
            bucket(
                "macie_results",
                "Macie sensitive-data discovery results",
                "macie",
                f.log_key,
                writers=("macie.amazonaws.com",),
            )
        )
    if f.bedrock_logging:
        buckets.append(
            bucket(
                "bedrock_logs",
                "Bedrock model invocation logs",
                "bedrock-logs",
                f.log_key,
                writers=("bedrock.amazonaws.com",),
            )
        )
    replication: ReplicationPlan | None = None
    region = f.replica_region
    if region:
        sources = tuple(b.name for b in buckets if b.replicate)
        keys = tuple(dict.fromkeys(b.kms_key_arn for b in buckets if b.replicate and b.kms_key_arn))
        replication = ReplicationPlan(
            region=region,
            buckets=sources,
            trust_policy=bp.replication_trust(sources),
            policy=bp.replication_policy(sources, keys),
        )
        buckets.append(
            bucket(
                "replica_access_logs",
                f"S3 server access logs of the replicas ({region})",
                "replica-logs",
                None,
                log_to=None,
                writers=("logging.s3.amazonaws.com",),
                provider="aws.replica",
            )
        )
        for src in sources:
            buckets.append(
                bucket(
                    f"{src}_replica",
                    f"Replica of {src.replace('_', ' ')} in {region}",
                    f"{short_name(src)}-replica",
                    "replica",
                    log_to="replica_access_logs",
                    data_bucket=True,
                    provider="aws.replica",
                    replica_of=src,
                )
            )
    return _with_policies(answers, tuple(buckets), replication, macie=f.macie_on)


def _with_policies(
    answers: Answers, buckets: tuple[BucketPlan, ...], replication: ReplicationPlan | None, *, macie: bool
) -> StoragePlan:
    perimeter = any(b.perimeter or b.replica_of for b in buckets)
    writers = {w for b in buckets for w in b.writers}
    exempt = bp.perimeter_exempt(
        tuple(answers.access.admin_role_arns), replication=replication is not None, macie=macie
    )
    list_exempt = bp.perimeter_list_exempt(exempt)
    return StoragePlan(
        buckets=tuple(replace(b, policy=bp.bucket_policy(b, buckets, exempt, list_exempt)) for b in buckets),
        replication=replication,
        trail_arn_local="cloudtrail.amazonaws.com" in writers,
        macie_source_arns=bp.MACIE_SOURCE_ARNS if "macie.amazonaws.com" in writers else None,
        perimeter_actions=bp.PERIMETER_ACTIONS if perimeter else None,
        perimeter_exempt=exempt if perimeter else None,
        perimeter_list_exempt=list_exempt if perimeter else None,
        key_purposes=tuple(dict.fromkeys(b.kms_key_arn.name for b in buckets if b.kms_key_arn))
        + (("replica",) if replication and not any(b.on_replica for b in buckets) else ()),
    )


def _not_replicated_because(b: BucketPlan, f: Facts) -> str:
    if b.replica_of:
        return f"this bucket is the replica of {b.replica_of}"
    if b.key is None:
        return "server access logs are written per region and are not replicated"
    if b.name == "audit":
        return "the multi-region trail already records every region; audit evidence stays where it is protected" + (
            " by object lock" if b.object_lock else ""
        )
    if b.name in ("macie_results", "bedrock_logs"):
        return "derived log data; its source is retained in this region with the planned retention"
    if not f.conf:
        return f"replication is planned for confidential and restricted data; {f.tier_says}"
    return "data residency: allowed_regions holds no second region to replicate to"


def _skips(led: Ledger, storage: StoragePlan, f: Facts) -> None:
    for b in storage.buckets:
        if b.key is None:
            led.skip(
                "CKV_AWS_145",
                module="s3",
                resource=f"aws_s3_bucket.{b.name}",
                reason="S3 server access logging delivers only to buckets encrypted with SSE-S3 "
                "(SSE-KMS targets are not supported)",
            )
        if not b.replicate:
            led.skip(
                "CKV_AWS_144", module="s3", resource=f"aws_s3_bucket.{b.name}", reason=_not_replicated_because(b, f)
            )


def _controls(led: Ledger, answers: Answers, f: Facts) -> None:
    noncurrent = 365 if f.conf else 90
    c = led.control
    c(
        "s3.block_public_access",
        "Block Public Access and BucketOwnerEnforced on every bucket",
        on=True,
        reason="always",
        module="s3",
        checks=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6", "CKV2_AWS_65"),
    )
    c(
        "s3.tls_only",
        "Bucket policies deny plain HTTP and TLS older than 1.2",
        on=True,
        reason="always",
        module="s3",
        checks=("CKV_AWS_70", "CKV_AWS_93"),
    )
    c(
        "s3.sse_kms_cmk",
        "Default encryption with the customer managed key and S3 Bucket Keys",
        on=True,
        reason="always (the access-log bucket excepted: log delivery requires SSE-S3)",
        module="s3",
        checks=("CKV_AWS_145", "CKV_AWS_19"),
    )
    c(
        "s3.versioning_lifecycle",
        f"Versioning; lifecycle aborts incomplete uploads and expires old versions after {noncurrent} days",
        on=True,
        reason="always: recovery from accidental or malicious overwrites (data poisoning)",
        module="s3",
        checks=("CKV_AWS_21", "CKV_AWS_300", "CKV2_AWS_61"),
    )
    c(
        "s3.access_logging",
        "Server access logging of every bucket to a dedicated log bucket",
        on=True,
        reason="always: request-level audit of who touched which object",
        module="s3",
        checks=("CKV_AWS_18",),
    )
    c(
        "s3.event_notifications",
        "S3 event notifications to EventBridge on every bucket",
        on=True,
        reason="always: object changes can be alerted on and audited",
        module="s3",
        checks=("CKV2_AWS_62",),
    )
    _tier_controls(led, answers, f)


def _tier_controls(led: Ledger, answers: Answers, f: Facts) -> None:
    """The controls the data tier switches on."""
    lock = audit_lock(answers, f)
    region = f.replica_region
    c = led.control
    c(
        "s3.deny_wrong_key",
        "Uploads to training data and artifacts that name another encryption type or key are denied",
        on=f.conf,
        reason=f.tier_says if f.conf else f"on from confidential; {f.tier_says}",
        module="s3",
    )
    c(
        "s3.replication",
        "Cross-region replication of training data and artifacts" + (f" to {region}" if region else ""),
        on=region is not None,
        reason=(
            f"{f.tier_says}; allowed_regions includes {region}"
            if region
            else f"on for confidential and restricted data; {f.tier_says}"
            if not f.conf
            else "skipped for data residency: allowed_regions holds no second region"
        ),
        module="s3",
        checks=("CKV_AWS_144",),
    )
    c(
        "s3.audit_object_lock",
        f"Object lock ({lock.mode}, {lock.days} days) on the audit bucket"
        if lock
        else "Object lock on the audit bucket",
        on=lock is not None,
        reason=(
            f"{f.tier_says}; environment = {answers.project.environment.value}"
            if lock
            else f"on from confidential; {f.tier_says}"
        ),
        module="s3",
    )
    c(
        "s3.vpce_perimeter",
        "Object data reachable only through the VPC endpoint (AWS services and admin roles exempt)",
        on=f.conf,
        reason=f.tier_says if f.conf else f"on from confidential; {f.tier_says}",
        module="s3",
        checks=("CKV_AWS_93",),
    )


def _check_sizes(storage: StoragePlan, answers: Answers, f: Facts) -> None:
    prefixes = tuple((b.name, b.bucket_prefix) for b in storage.buckets)
    for b in storage.buckets:
        env = SizeEnv(region=answers.project.region, replica_region=f.replica_region, bucket_prefixes=prefixes)
        check_size(
            b.policy,
            env,
            what=f"the bucket policy of {b.name}",
            because=f"access.admin_role_arns ({len(answers.access.admin_role_arns)}) and the buckets logging to it",
        )


def replication_role_name(name_prefix: str) -> str:
    """The IAM role S3 assumes to replicate (the key policies name it before it exists)."""
    return f"{name_prefix}-s3-replication"


def decide_buckets(answers: Answers, f: Facts) -> Section[StoragePlan]:
    storage = _buckets(answers, f)
    _check_sizes(storage, answers, f)
    led = Ledger()
    _skips(led, storage, f)
    _controls(led, answers, f)
    return led.section(storage)
