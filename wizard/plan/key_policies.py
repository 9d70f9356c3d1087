"""The key policy of each customer managed key: the account root, the admins, then one group of
statements per consumer (catalog §3.3). In a key policy ``Resource "*"`` means the key itself."""

from __future__ import annotations

from wizard.plan.policy import (
    ACCOUNT_ID,
    ANY_AWS,
    PARTITION,
    TRAIL_ARN,
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
_SOURCE_ACCOUNT = when("StringEquals", "aws:SourceAccount", ACCOUNT_ID)
_CALLER_ACCOUNT = when("StringEquals", "kms:CallerAccount", ACCOUNT_ID)


def _s3(region: Ref) -> tuple[Statement, ...]:
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


def _logs(region: Ref) -> tuple[Statement, ...]:
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


def _cloudtrail(region: Ref) -> tuple[Statement, ...]:
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
            conditions=(_CALLER_ACCOUNT, context),
        ),
    )


def _sns(region: Ref) -> tuple[Statement, ...]:
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


def _macie_export(region: Ref) -> tuple[Statement, ...]:
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


def _macie_read(region: Ref) -> tuple[Statement, ...]:
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


def _bedrock_logging(region: Ref) -> tuple[Statement, ...]:
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


def key_policy(consumers: tuple[str, ...], *, region: Ref, admin_role_arns: tuple[str, ...]) -> PolicyDocument:
    """The policy of a key used by ``consumers`` (names of :data:`CONSUMERS`), in ``region``."""
    statements = [
        Statement(
            sid="EnableAccountRootPermissions",
            effect="Allow",
            principal=Principal(type="AWS", ids=interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, ":root")),
            actions="kms:*",
            resources="*",
            comment="The account root keeps the key manageable (catalog §3.3); "
            "IAM policies then decide who else may use it.",
        )
    ]
    if admin_role_arns:
        statements.append(
            Statement(
                sid="AllowKeyAdministration",
                effect="Allow",
                principal=Principal(type="AWS", ids=admin_role_arns),
                actions=ADMIN_ACTIONS,
                resources="*",
                layout=Layout(multiline=("Action",)),
            )
        )
    for consumer in consumers:
        statements.extend(CONSUMERS[consumer](region))
    return PolicyDocument(kind="key", statements=tuple(statements))


def consumer_title(consumer: str, name_prefix: str) -> str:
    """What a consumer's statements allow, in words (the kms README's table)."""
    return {
        "s3": "S3 SSE-KMS for this account's principals (kms:ViaService s3, kms:CallerAccount)",
        "logs": "CloudWatch Logs log groups of this account",
        "cloudtrail": f"CloudTrail trail {name_prefix}-trail (aws:SourceArn); this account decrypts trail logs",
        "sns": "EventBridge, CloudWatch alarms and CloudTrail publishing to this account's encrypted SNS topics",
        "macie_export": "Macie exporting discovery results",
        "macie_read": "Macie's service-linked role reading encrypted training data",
        "bedrock_logging": "Bedrock model invocation logging",
    }[consumer]
