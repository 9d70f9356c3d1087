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
    keys = _Keys(answers, f, roles).all()
    led = Ledger()
    _controls(led, answers, f)
    _check_sizes(answers, keys)
    return led.section(keys)


class _Keys:
    """Builds the KeyPlans, and their policies, for these answers."""

    def __init__(self, answers: Answers, f: Facts, roles: tuple[RolePlan, ...]) -> None:
        self.answers = answers
        self.f = f
        self.roles = roles

    def all(self) -> tuple[KeyPlan, ...]:
        """One key per purpose or a single key, and the replica key when objects are replicated."""
        f = self.f
        data_consumers = ["s3"] + (["macie_read"] if f.macie_on else [])
        logs_consumers = ["s3", "logs", "cloudtrail", "sns"]
        if f.macie_export:
            logs_consumers.append("macie_export")
        if f.bedrock_logging:
            logs_consumers.append("bedrock_logging")
        if f.per_purpose:
            keys = [
                self.key("data", ("data",), "training data", tuple(data_consumers)),
                self.key("artifacts", ("artifacts",), "model artifacts and checkpoints", ("s3",)),
                self.key("logs", ("logs",), "logs, audit trail and alerts", tuple(logs_consumers)),
            ]
        else:
            keys = [
                self.key(
                    "main",
                    ("data", "artifacts", "logs"),
                    "all data, artifacts and logs",
                    tuple(dict.fromkeys(data_consumers + logs_consumers)),
                )
            ]
        if f.replica_region:
            keys.append(
                self.key("replica", ("replica",), f"replicas in {f.replica_region}", ("s3",), provider="aws.replica")
            )
        return tuple(keys)

    def key(
        self, name: str, purposes: tuple[str, ...], description: str, consumers: tuple[str, ...], provider: str = "aws"
    ) -> KeyPlan:
        f, p = self.f, self.f.name_prefix
        replica = provider == "aws.replica"
        return KeyPlan(
            name=name,
            purposes=purposes,
            alias=f"{p}-{name}",
            description=f"{p}: {description} ({f.tier.value})",
            rotation_days=self.answers.keys.rotation_days,
            deletion_window_days=self.answers.keys.deletion_window_days,
            consumers=consumers,
            provider=provider,
            region=f.replica_region if replica and f.replica_region else self.answers.project.region,
            grants=tuple(consumer_title(c, p, named=f.conf) for c in consumers),
            # The audit bucket is object-locked from confidential data on: its objects outlive any destroy, so
            # the key that encrypts them must too (a deleted key leaves them unreadable).
            keep_after_destroy=f.conf and "logs" in purposes,
            names_users=f.conf,
            policy=key_policy(
                consumers,
                region=REPLICA_REGION if replica else REGION,
                admin_role_arns=tuple(self.answers.access.admin_role_arns),
                users=self.users(name, purposes),
            ),
        )

    def users(self, name: str, purposes: tuple[str, ...]) -> tuple[str | Interp, ...] | None:
        """The roles a key policy names as the key's only users (confidential data on), or None."""
        f = self.f
        if not f.conf:
            return None
        named: list[str | Interp] = [role_arn(r.role_name) for r in self.roles if name in r.keys]
        if "data" in purposes:
            # The people and pipelines that upload training data (access.data_uploader_role_arns) use the data key.
            named += list(self.answers.access.data_uploader_role_arns)
        # The replication role reads the data and artifacts objects and writes their replicas.
        if f.replica_region and (name == "replica" or any(k in ("data", "artifacts") for k in purposes)):
            named.append(role_arn(replication_role_name(f.name_prefix)))
        return tuple(named)


def _check_sizes(answers: Answers, keys: tuple[KeyPlan, ...]) -> None:
    """Every key policy fits KMS's size limit, or one error names the answers that grew it."""
    for k in keys:
        check_size(
            k.policy,
            SizeEnv(region=k.region),
            what=f"the key policy of {k.alias}",
            because=f"access.admin_role_arns ({len(answers.access.admin_role_arns)}), "
            f"access.data_uploader_role_arns ({len(answers.access.data_uploader_role_arns)}) "
            "and the services using the key",
        )


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
