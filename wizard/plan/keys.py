"""Customer managed KMS keys: how many, for which purposes, and who may use each (catalog §3)."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.plan.buckets import replication_role_name
from wizard.plan.facts import Facts
from wizard.plan.key_policies import consumer_title, key_policy, role_arn
from wizard.plan.model import KeyPlan, RolePlan
from wizard.plan.policy import REGION, REPLICA_REGION, Interp, SizeEnv, check_size
from wizard.plan.section import Ledger, Section


def decide_keys(answers: Answers, f: Facts, roles: tuple[RolePlan, ...]) -> Section[tuple[KeyPlan, ...]]:
    """``roles``: the workload roles of the plan; on confidential and restricted data each key names the roles
    whose policies use it, and no other principal of the account may use it (the key policy is a second layer)."""
    rotation = answers.keys.rotation_days
    deletion = answers.keys.deletion_window_days
    p, tier = f.name_prefix, f.tier.value
    admins = tuple(answers.access.admin_role_arns)
    logs_consumers = ["s3", "logs", "cloudtrail", "sns"]
    if f.macie_export:
        logs_consumers.append("macie_export")
    if f.bedrock_logging:
        logs_consumers.append("bedrock_logging")
    data_consumers = ["s3"] + (["macie_read"] if f.macie_on else [])

    replicated = ("data", "artifacts") if f.replica_region else ()

    def users(name: str) -> tuple[str | Interp, ...] | None:
        if not f.conf:
            return None
        named: list[str | Interp] = [role_arn(r.role_name) for r in roles if name in r.keys]
        if "data" in _purposes[name]:
            # The people and pipelines that upload training data (access.data_uploader_role_arns) use the data key.
            named += list(answers.access.data_uploader_role_arns)
        if f.replica_region and (name == "replica" or any(k in replicated for k in _purposes[name])):
            named.append(role_arn(replication_role_name(p)))
        return tuple(named)

    _purposes: dict[str, tuple[str, ...]] = {}

    def key(
        name: str, purposes: tuple[str, ...], description: str, consumers: tuple[str, ...], provider: str = "aws"
    ) -> KeyPlan:
        _purposes[name] = purposes
        return KeyPlan(
            name=name,
            purposes=purposes,
            alias=f"{p}-{name}",
            description=f"{p}: {description} ({tier})",
            rotation_days=rotation,
            deletion_window_days=deletion,
            consumers=consumers,
            provider=provider,
            region=f.replica_region if provider == "aws.replica" and f.replica_region else answers.project.region,
            grants=tuple(consumer_title(c, p, named=f.conf) for c in consumers),
            # The audit bucket is object-locked from confidential data on: its objects outlive any destroy, so
            # the key that encrypts them must too (a deleted key leaves them unreadable).
            keep_after_destroy=f.conf and "logs" in purposes,
            names_users=f.conf,
            policy=key_policy(
                consumers,
                region=REPLICA_REGION if provider == "aws.replica" else REGION,
                admin_role_arns=admins,
                users=users(name),
            ),
        )

    if f.per_purpose:
        keys = [
            key("data", ("data",), "training data", tuple(data_consumers)),
            key("artifacts", ("artifacts",), "model artifacts and checkpoints", ("s3",)),
            key("logs", ("logs",), "logs, audit trail and alerts", tuple(logs_consumers)),
        ]
    else:
        keys = [
            key(
                "main",
                ("data", "artifacts", "logs"),
                "all data, artifacts and logs",
                tuple(dict.fromkeys(data_consumers + logs_consumers)),
            )
        ]
    if f.replica_region:
        keys.append(key("replica", ("replica",), f"replicas in {f.replica_region}", ("s3",), provider="aws.replica"))

    led = Ledger()
    _controls(led, answers, f)
    for k in keys:
        env = SizeEnv(region=k.region)
        check_size(
            k.policy,
            env,
            what=f"the key policy of {k.alias}",
            because=f"access.admin_role_arns ({len(admins)}), access.data_uploader_role_arns "
            f"({len(answers.access.data_uploader_role_arns)}) and the services using the key",
        )
    return led.section(tuple(keys))


def _controls(led: Ledger, answers: Answers, f: Facts) -> None:
    rotation = answers.keys.rotation_days
    led.control(
        "kms.customer_managed_keys",
        "Customer managed KMS keys encrypt every bucket, log group and topic",
        on=True,
        reason="always: a key policy is a second access-control layer and key use is auditable",
        module="kms",
        checks=("CKV2_AWS_64", "CKV_AWS_33", "CKV_AWS_227"),
    )
    led.control(
        "kms.key_per_purpose",
        "Separate keys for training data, model artifacts and logs",
        on=f.per_purpose,
        reason="keys.strategy = per_purpose" + (f" (required: {f.tier_says})" if f.conf else "")
        if f.per_purpose
        else f"keys.strategy = single (allowed: {f.tier_says})",
        module="kms",
    )
    led.control(
        "kms.rotation",
        f"Automatic key rotation every {rotation} days",
        on=True,
        reason=f"always; keys.rotation_days = {rotation}",
        module="kms",
        checks=("CKV_AWS_7",),
    )
    led.control(
        "kms.least_privilege_key_policy",
        "Key policies grant services only through kms:ViaService / aws:SourceAccount conditions",
        on=True,
        reason="always: service principals may use a key only on behalf of this account",
        module="kms",
        checks=("CKV_AWS_33",),
    )
