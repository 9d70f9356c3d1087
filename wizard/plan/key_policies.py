"""The key policy of each customer managed key: the account root, the admins, then one group of
statements per consumer (catalog §3.3). In a key policy ``Resource "*"`` means the key itself."""

from __future__ import annotations

from wizard.plan.policy import (
    ACCOUNT_ID,
    ANY_AWS,
    PARTITION,
    TRAIL_ARN,
    Interp,
    Layout,
    PolicyDocument,
    Principal,
    Ref,
    Statement,
    arn,
    interp,
    service,
    when,
)

# Key administration without key use: no kms:CreateGrant, Encrypt, Decrypt, ReEncrypt* or GenerateDataKey*.
ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

_TRAILS = arn("cloudtrail", "trail/*", region="*")
_CRYPTO_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
Named = tuple[str | Interp, ...] | None  # the named principals of a second-layer key policy, or None
_SOURCE_ACCOUNT = when("StringEquals", "aws:SourceAccount", ACCOUNT_ID)
_CALLER_ACCOUNT = when("StringEquals", "kms:CallerAccount", ACCOUNT_ID)


def _s3(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    return (
        Statement(
            sid="AllowS3UseByThisAccount",
            effect="Allow",
            principal=ANY_AWS,
            actions=("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
            resources="*",
            conditions=(
                _CALLER_ACCOUNT,
                when("StringEquals", "kms:ViaService", interp("s3.", region, ".amazonaws.com")),
            ),
        ),
    )


def _logs(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    return (
        Statement(
            sid="AllowCloudWatchLogsLogGroups",
            effect="Allow",
            principal=service(interp("logs.", region, ".amazonaws.com")),
            actions=("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
            resources="*",
            conditions=(
                when("ArnLike", "kms:EncryptionContext:aws:logs:arn", arn("logs", "log-group:*", region=region)),
            ),
        ),
    )


def _cloudtrail(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    trail = service("cloudtrail.amazonaws.com")
    source = when("StringEquals", "aws:SourceArn", TRAIL_ARN)
    context = when("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn", _TRAILS)
    return (
        Statement(
            sid="AllowCloudTrailEncryptLogs",
            effect="Allow",
            principal=trail,
            actions="kms:GenerateDataKey*",
            resources="*",
            conditions=(context, source),
        ),
        Statement(
            sid="AllowCloudTrailDescribeKey",
            effect="Allow",
            principal=trail,
            actions="kms:DescribeKey",
            resources="*",
            conditions=(source,),
        ),
        Statement(
            sid="AllowCloudTrailDecryptForBucketKeys",
            effect="Allow",
            principal=trail,
            actions="kms:Decrypt",
            resources="*",
            conditions=(source,),
        ),
        Statement(
            sid="AllowThisAccountDecryptTrailLogs",
            effect="Allow",
            principal=ANY_AWS,
            actions=("kms:Decrypt", "kms:ReEncryptFrom"),
            resources="*",
            conditions=(_CALLER_ACCOUNT, context)
            + ((when("ArnEquals", "aws:PrincipalArn", named),) if named is not None else ()),
            layout=Layout(multiline=("aws:PrincipalArn",)),
        ),
    )


def _sns(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    topics = when("StringLike", "kms:EncryptionContext:aws:sns:topicArn", arn("sns", "*", region=region))
    return (
        Statement(
            sid="AllowEventBridgePublishToEncryptedTopics",
            effect="Allow",
            principal=service("events.amazonaws.com"),
            actions=("kms:GenerateDataKey*", "kms:Decrypt"),
            resources="*",
            conditions=(topics,),
            comment="The KMS-encrypted alert topics. SNS always names the topic in the encryption context, "
            "which binds\nthese grants to this account's topics. EventBridge sets no aws:SourceAccount "
            "on SNS publishes (so a\n"
            "condition on it would drop every alert); CloudWatch alarms and CloudTrail set it and must match it.",
        ),
        Statement(
            sid="AllowAlarmsAndTrailPublishToEncryptedTopics",
            effect="Allow",
            principal=service("cloudtrail.amazonaws.com", "cloudwatch.amazonaws.com"),
            actions=("kms:GenerateDataKey*", "kms:Decrypt"),
            resources="*",
            conditions=(_SOURCE_ACCOUNT, topics),
        ),
    )


def _macie_export(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    sources = (
        arn("macie2", "export-configuration:*", region=region),
        arn("macie2", "classification-job/*", region=region),
    )
    return (
        Statement(
            sid="AllowMacieExportDiscoveryResults",
            effect="Allow",
            principal=service("macie.amazonaws.com"),
            actions=("kms:GenerateDataKey", "kms:Encrypt"),
            resources="*",
            conditions=(_SOURCE_ACCOUNT, when("ArnLike", "aws:SourceArn", sources)),
            layout=Layout(multiline=("aws:SourceArn",)),
        ),
    )


def _macie_read(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    role = interp(
        "arn:",
        PARTITION,
        ":iam::",
        ACCOUNT_ID,
        ":role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie",
    )
    return (
        Statement(
            sid="AllowMacieServiceLinkedRoleDecrypt",
            effect="Allow",
            principal=ANY_AWS,
            actions=("kms:Decrypt", "kms:DescribeKey"),
            resources="*",
            conditions=(_CALLER_ACCOUNT, when("ArnLike", "aws:PrincipalArn", role)),
            comment="Macie's service-linked role may not exist yet (Macie creates it when enabled) and KMS rejects a\n"
            "policy that names a missing principal, so the role is matched by aws:PrincipalArn instead.",
        ),
    )


def _bedrock_logging(region: Ref, named: Named = None) -> tuple[Statement, ...]:
    return (
        Statement(
            sid="AllowBedrockInvocationLogging",
            effect="Allow",
            principal=service("bedrock.amazonaws.com"),
            actions=("kms:GenerateDataKey", "kms:Decrypt"),
            resources="*",
            conditions=(_SOURCE_ACCOUNT, when("ArnLike", "aws:SourceArn", arn("bedrock", "*", region=region))),
            comment="Decrypt: S3 reads back the parts of a multipart upload (large image payloads) to complete it.",
        ),
    )


CONSUMERS = {
    "s3": _s3,
    "logs": _logs,
    "cloudtrail": _cloudtrail,
    "sns": _sns,
    "macie_export": _macie_export,
    "macie_read": _macie_read,
    "bedrock_logging": _bedrock_logging,
}


def role_arn(role_name: str) -> Interp:
    """The ARN of a role of this account, built from its name: a key policy matches it by aws:PrincipalArn, so
    the role need not exist yet (KMS rejects a policy whose Principal names a missing role)."""
    return interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, f":role/{role_name}")


_ROOT = Principal(type="AWS", ids=interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, ":root"))


def key_policy(
    consumers: tuple[str, ...],
    *,
    region: Ref,
    admin_role_arns: tuple[str, ...],
    users: tuple[str | Interp, ...] | None = None,
) -> PolicyDocument:
    """The policy of a key used by ``consumers`` (names of :data:`CONSUMERS`), in ``region``.

    ``users`` None: the AWS default, the account root holds ``kms:*`` and IAM decides who uses the key.
    ``users`` given (confidential and restricted data): the key policy is a second layer. The account root
    keeps administration (lock-out protection) but no cryptographic use, so an IAM policy alone never lets a
    principal use the key; only the admin roles and ``users`` (ARNs of roles this stack names) may, and S3
    uses the key for them only.
    """
    statements = [_root_statement(named=users is not None)]
    if admin_role_arns:
        statements.append(_admin_statement(admin_role_arns))
    principals: Named = None
    if users is not None:
        principals = tuple(dict.fromkeys((*admin_role_arns, *users)))
        statements.extend(_named_use_statements(principals))
    for consumer in consumers:
        if principals is not None and consumer == "s3":
            continue  # S3 uses the key for the named principals above; no account-wide S3 grant.
        statements.extend(CONSUMERS[consumer](region, principals))
    return PolicyDocument(kind="key", statements=tuple(statements))


def _root_statement(*, named: bool) -> Statement:
    """The account root: all of ``kms:*`` by default; administration only when the key names its users."""
    if not named:
        return Statement(
            sid="EnableAccountRootPermissions",
            effect="Allow",
            principal=_ROOT,
            actions="kms:*",
            resources="*",
            comment="The account root keeps the key manageable (catalog §3.3); "
            "IAM policies then decide who else may use it.",
        )
    return Statement(
        sid="AccountRootAdministersOnly",
        effect="Allow",
        principal=_ROOT,
        actions=ADMIN_ACTIONS,
        resources="*",
        comment="Lock-out protection: principals whose IAM policies allow it may administer the key (and so\n"
        "Terraform can update this policy), but no cryptographic use is granted through the account:\n"
        "an IAM policy that allows kms:Decrypt does not by itself let a principal use this key.",
        layout=Layout(multiline=("Action",)),
    )


def _admin_statement(admin_role_arns: tuple[str, ...]) -> Statement:
    """Key administration, without key use, for the admin roles (access.admin_role_arns)."""
    return Statement(
        sid="AllowKeyAdministration",
        effect="Allow",
        principal=ANY_AWS,
        actions=ADMIN_ACTIONS,
        resources="*",
        conditions=(_CALLER_ACCOUNT, when("ArnEquals", "aws:PrincipalArn", admin_role_arns)),
        comment="The admin roles (access.admin_role_arns), matched by aws:PrincipalArn: KMS rejects a policy\n"
        "whose Principal names a role that does not exist yet. The kms module refuses, before\n"
        "anything is created, an admin ARN of another account than the one deploying.",
        layout=Layout(multiline=("Action", "aws:PrincipalArn")),
    )


def _named_use_statements(principals: tuple[str | Interp, ...]) -> tuple[Statement, ...]:
    """Cryptographic use, and grants for AWS resources, by the named principals only (the second layer)."""
    named_cond = (_CALLER_ACCOUNT, when("ArnEquals", "aws:PrincipalArn", principals))
    return (
        Statement(
            sid="AllowUseByNamedPrincipals",
            effect="Allow",
            principal=ANY_AWS,
            actions=_CRYPTO_ACTIONS,
            resources="*",
            conditions=named_cond,
            comment="Cryptographic use only by the roles this stack names: the admin roles and the roles whose\n"
            "policies use this key. Any other principal of the account is refused here, whatever its IAM\n"
            "policies allow.",
            layout=Layout(multiline=("aws:PrincipalArn",)),
        ),
        Statement(
            sid="AllowGrantsForAwsResourcesToNamedPrincipals",
            effect="Allow",
            principal=ANY_AWS,
            actions="kms:CreateGrant",
            resources="*",
            conditions=(*named_cond, when("Bool", "kms:GrantIsForAWSResource", "true")),
            comment="SageMaker creates grants for the volumes of jobs, endpoints and notebooks on behalf of the\n"
            "execution roles named above (the key policy must allow the role, SageMaker API reference).",
            layout=Layout(multiline=("aws:PrincipalArn",)),
        ),
    )


def consumer_title(consumer: str, name_prefix: str, *, named: bool = False) -> str:
    """What a consumer's statements allow, in words (the kms README's table)."""
    return {
        "s3": "S3 SSE-KMS for the roles the stack names only (aws:PrincipalArn)"
        if named
        else "S3 SSE-KMS for this account's principals (kms:ViaService s3, kms:CallerAccount)",
        "logs": "CloudWatch Logs log groups of this account",
        "cloudtrail": f"CloudTrail trail {name_prefix}-trail (aws:SourceArn); this account decrypts trail logs",
        "sns": "EventBridge, CloudWatch alarms and CloudTrail publishing to this account's encrypted SNS topics",
        "macie_export": "Macie exporting discovery results",
        "macie_read": "Macie's service-linked role reading encrypted training data",
        "bedrock_logging": "Bedrock model invocation logging",
    }[consumer]
