"""Bucket policies and the replication role's policies (catalog §4.2, §4.4, §2.5)."""

from __future__ import annotations

from wizard.plan.model import BucketPlan
from wizard.plan.policy import (
    ACCOUNT_ID,
    ANYONE,
    PARTITION,
    REGION,
    REPLICA_REGION,
    TRAIL_ARN,
    Layout,
    Local,
    PolicyDocument,
    Ref,
    Statement,
    Value,
    arn,
    bucket_arn,
    bucket_objects,
    interp,
    key_arn,
    service,
    when,
)

# Object-data actions the network perimeter denies outside the VPC endpoint (bucket/* only, catalog §2.5).
PERIMETER_OBJECT_DATA_ACTIONS = (
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectVersionTagging",
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:GetObjectAttributes",
    "s3:GetObjectLegalHold",
    "s3:GetObjectRetention",
    "s3:GetObjectTagging",
    "s3:GetObjectTorrent",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionTagging",
    "s3:GetObjectVersionTorrent",
    "s3:InitiateReplication",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectVersionTagging",
    "s3:ReplicateDelete",
    "s3:ReplicateObject",
    "s3:ReplicateTags",
    "s3:RestoreObject",
)
PERIMETER_ACTIONS = Local(name="perimeter_object_data_actions", value=PERIMETER_OBJECT_DATA_ACTIONS)
# Macie's export configuration and its classification jobs (catalog §5.2).
MACIE_SOURCE_ARNS = Local(
    name="macie_source_arns",
    value=(arn("macie2", "export-configuration:*"), arn("macie2", "classification-job/*")),
)
S3_ENDPOINT_ID = Ref(module="network", type="vpc_endpoint", name="s3", attr="id")
REPLICATION_ROLE_ARN = Ref(module="s3", type="iam_role", name="replication", attr="arn")
_SOURCE_ACCOUNT = when("StringEquals", "aws:SourceAccount", ACCOUNT_ID)


MACIE_SERVICE_LINKED_ROLE = "aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
# The principal running Terraform (the role behind its session): the AWS provider reads every bucket with
# HeadBucket, which S3 authorizes as s3:ListBucket, so the listing deny must not lock Terraform out.
DEPLOYER_ARN = Ref(module="", type="iam_session_context", name="deployer", attr="deployer_arn")
# Bucket-level actions that reveal object names (which can carry identifiers).
PERIMETER_LIST_ACTIONS = ("s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions")


def perimeter_exempt(admin_role_arns: tuple[str, ...], *, replication: bool, macie: bool) -> Local:
    """Principals the data perimeter never blocks: the admin roles, Macie's service-linked role when Macie scans
    the data (no other service-linked role), the replication role."""
    arns: tuple[Value, ...] = tuple(admin_role_arns)
    if macie:
        arns = (*arns, interp("arn:", PARTITION, ":iam::", ACCOUNT_ID, f":role/{MACIE_SERVICE_LINKED_ROLE}"))
    if replication:
        arns = (*arns, REPLICATION_ROLE_ARN)
    return Local(name="perimeter_exempt_principal_arns", value=arns)


def perimeter_list_exempt(exempt: Local) -> Local:
    assert isinstance(exempt.value, tuple), "perimeter_exempt() holds a tuple of ARNs"
    return Local(name="perimeter_list_exempt_principal_arns", value=(*exempt.value, DEPLOYER_ARN))


def _transport(name: str) -> tuple[Statement, ...]:
    both = (bucket_arn(name), bucket_objects(name))
    return (
        Statement(
            sid="DenyInsecureTransport",
            effect="Deny",
            principal=ANYONE,
            actions="s3:*",
            resources=both,
            conditions=(when("Bool", "aws:SecureTransport", "false"),),
        ),
        Statement(
            sid="DenyTlsOlderThan12",
            effect="Deny",
            principal=ANYONE,
            actions="s3:*",
            resources=both,
            conditions=(when("NumericLessThan", "s3:TlsVersion", 1.2),),
        ),
    )


def _wrong_key(name: str, kms: Ref) -> tuple[Statement, ...]:
    sse = "s3:x-amz-server-side-encryption"
    return (
        Statement(
            sid="DenyUploadsWithOtherEncryption",
            effect="Deny",
            principal=ANYONE,
            actions="s3:PutObject",
            resources=bucket_objects(name),
            conditions=(when("Null", sse, "false"), when("StringNotEquals", sse, "aws:kms")),
            comment="Uploads may rely on default encryption; one that names another encryption type or key is "
            "denied (§4.2 3c).",
        ),
        Statement(
            sid="DenyUploadsWithOtherKey",
            effect="Deny",
            principal=ANYONE,
            actions="s3:PutObject",
            resources=bucket_objects(name),
            conditions=(
                when("Null", f"{sse}-aws-kms-key-id", "false"),
                when("StringNotEquals", f"{sse}-aws-kms-key-id", kms),
            ),
        ),
        Statement(
            sid="DenyUploadsWithCustomerProvidedKeys",
            effect="Deny",
            principal=ANYONE,
            actions="s3:PutObject",
            resources=bucket_objects(name),
            conditions=(when("Null", f"{sse}-customer-algorithm", "false"),),
            comment="SSE-C sends its own header (customer-provided keys bypass the customer managed key entirely).",
        ),
    )


def _perimeter(name: str, exempt: Local, list_exempt: Local) -> tuple[Statement, ...]:
    outside = when("StringNotEqualsIfExists", "aws:SourceVpce", S3_ENDPOINT_ID)
    not_service = when("BoolIfExists", "aws:PrincipalIsAWSService", "false")
    return (
        Statement(
            sid="DenyObjectDataOutsideVpcEndpoint",
            effect="Deny",
            principal=ANYONE,
            actions=PERIMETER_ACTIONS,
            resources=bucket_objects(name),
            conditions=(outside, not_service, when("ArnNotLikeIfExists", "aws:PrincipalArn", exempt)),
            comment="Object data only through the VPC endpoint. Exempt: AWS service principals (their own allow\n"
            "statements, if any, bind them), the admin roles and the principals the stack names (Macie's\n"
            "service-linked role, the replication role). No aws:ViaAWSService exemption: a non-admin could\n"
            "route a read through another service to leave the perimeter.",
        ),
        Statement(
            sid="DenyListingOutsideVpcEndpoint",
            effect="Deny",
            principal=ANYONE,
            actions=PERIMETER_LIST_ACTIONS,
            resources=bucket_arn(name),
            conditions=(outside, not_service, when("ArnNotLikeIfExists", "aws:PrincipalArn", list_exempt)),
            comment="Object names are data too. The principal running Terraform may list: the provider reads the\n"
            "bucket with HeadBucket, which S3 authorizes as s3:ListBucket.",
        ),
    )


def _replica_lockdown(name: str, exempt: Local, list_exempt: Local) -> tuple[Statement, ...]:
    not_service = when("BoolIfExists", "aws:PrincipalIsAWSService", "false")
    return (
        Statement(
            sid="DenyObjectDataExceptReplicationAndAdmins",
            effect="Deny",
            principal=ANYONE,
            actions=PERIMETER_ACTIONS,
            resources=bucket_objects(name),
            conditions=(not_service, when("ArnNotLikeIfExists", "aws:PrincipalArn", exempt)),
            comment="A replica is a recovery copy in a region without the stack's VPC: no endpoint can carry a\n"
            "perimeter there, so object data is closed to everyone but the replication role and the admins.",
        ),
        Statement(
            sid="DenyListingExceptReplicationAndAdmins",
            effect="Deny",
            principal=ANYONE,
            actions=PERIMETER_LIST_ACTIONS,
            resources=bucket_arn(name),
            conditions=(not_service, when("ArnNotLikeIfExists", "aws:PrincipalArn", list_exempt)),
        ),
    )


def _access_log_writes(b: BucketPlan, buckets: tuple[BucketPlan, ...]) -> list[Statement]:
    return [
        Statement(
            sid="AllowAccessLogsFrom" + "".join(part.capitalize() for part in source.name.split("_")),
            effect="Allow",
            principal=service("logging.s3.amazonaws.com"),
            actions="s3:PutObject",
            resources=bucket_objects(b.name, source.log_prefix),
            conditions=(when("ArnLike", "aws:SourceArn", bucket_arn(source.name)), _SOURCE_ACCOUNT),
        )
        for source in buckets
        if source.log_to == b.name
    ]


def _cloudtrail_writes(name: str) -> list[Statement]:
    trail = service("cloudtrail.amazonaws.com")
    source = when("StringEquals", "aws:SourceArn", TRAIL_ARN)
    return [
        Statement(
            sid="AllowCloudTrailAclCheck",
            effect="Allow",
            principal=trail,
            actions="s3:GetBucketAcl",
            resources=bucket_arn(name),
            conditions=(source,),
        ),
        Statement(
            sid="AllowCloudTrailWrite",
            effect="Allow",
            principal=trail,
            actions="s3:PutObject",
            resources=interp(bucket_arn(name), "/AWSLogs/", ACCOUNT_ID, "/*"),
            conditions=(when("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"), source),
        ),
    ]


def _macie_writes(name: str) -> list[Statement]:
    macie = service("macie.amazonaws.com")
    conditions = (_SOURCE_ACCOUNT, when("ArnLike", "aws:SourceArn", MACIE_SOURCE_ARNS))
    return [
        Statement(
            sid="AllowMacieUploadResults",
            effect="Allow",
            principal=macie,
            actions="s3:PutObject",
            resources=bucket_objects(name),
            conditions=conditions,
        ),
        Statement(
            sid="AllowMacieGetBucketLocation",
            effect="Allow",
            principal=macie,
            actions="s3:GetBucketLocation",
            resources=bucket_arn(name),
            conditions=conditions,
        ),
    ]


def _bedrock_writes(name: str) -> list[Statement]:
    return [
        Statement(
            sid="AllowBedrockInvocationLogs",
            effect="Allow",
            principal=service("bedrock.amazonaws.com"),
            actions="s3:PutObject",
            resources=bucket_objects(name),
            conditions=(_SOURCE_ACCOUNT, when("ArnLike", "aws:SourceArn", arn("bedrock", "*"))),
        )
    ]


def bucket_policy(b: BucketPlan, buckets: tuple[BucketPlan, ...], exempt: Local, list_exempt: Local) -> PolicyDocument:
    """TLS only, then the wrong-key denies, the perimeter (or a replica's lockdown) and one group of allows per
    service writer."""
    statements = list(_transport(b.name))
    if b.deny_wrong_key and b.kms_key_arn is not None:
        statements += _wrong_key(b.name, b.kms_key_arn)
    if b.perimeter:
        statements += _perimeter(b.name, exempt, list_exempt)
    elif b.replica_of:
        statements += _replica_lockdown(b.name, exempt, list_exempt)
    for writer in b.writers:
        if writer == "logging.s3.amazonaws.com":
            statements += _access_log_writes(b, buckets)
        elif writer == "cloudtrail.amazonaws.com":
            statements += _cloudtrail_writes(b.name)
        elif writer == "macie.amazonaws.com":
            statements += _macie_writes(b.name)
        elif writer == "bedrock.amazonaws.com":
            statements += _bedrock_writes(b.name)
        else:
            raise ValueError(f"no bucket-policy statements for writer {writer}")
    return PolicyDocument(kind="bucket", statements=tuple(statements))


def replication_trust(sources: tuple[str, ...]) -> PolicyDocument:
    return PolicyDocument(
        kind="trust",
        statements=(
            Statement(
                sid="S3ReplicationForThisAccount",
                effect="Allow",
                principal=service("s3.amazonaws.com"),
                actions="sts:AssumeRole",
                conditions=(_SOURCE_ACCOUNT, when("ArnLike", "aws:SourceArn", tuple(bucket_arn(s) for s in sources))),
                layout=Layout(multiline=("aws:SourceArn",)),
            ),
        ),
    )


def replication_policy(sources: tuple[str, ...], source_keys: tuple[Ref, ...]) -> PolicyDocument:
    replicas = tuple(f"{s}_replica" for s in sources)
    listed = Layout(multiline=("Resource", "kms:EncryptionContext:aws:s3:arn"))

    def bucket_and_objects(names: tuple[str, ...]) -> tuple[Value, ...]:
        return tuple(v for n in names for v in (bucket_arn(n), bucket_objects(n)))

    return PolicyDocument(
        kind="identity",
        statements=(
            Statement(
                sid="ReadSourceReplicationConfiguration",
                effect="Allow",
                actions=("s3:GetReplicationConfiguration", "s3:ListBucket"),
                resources=tuple(bucket_arn(s) for s in sources),
                layout=listed,
            ),
            Statement(
                sid="ReadSourceObjectVersions",
                effect="Allow",
                actions=("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"),
                resources=tuple(bucket_objects(s) for s in sources),
                layout=listed,
            ),
            Statement(
                sid="WriteReplicas",
                effect="Allow",
                actions=("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"),
                resources=tuple(bucket_objects(r) for r in replicas),
                layout=listed,
            ),
            Statement(
                sid="DecryptSourceObjects",
                effect="Allow",
                actions="kms:Decrypt",
                resources=source_keys,
                conditions=(
                    when("StringEquals", "kms:ViaService", interp("s3.", REGION, ".amazonaws.com")),
                    when("StringLike", "kms:EncryptionContext:aws:s3:arn", bucket_and_objects(sources)),
                ),
                layout=listed,
            ),
            Statement(
                sid="EncryptReplicas",
                effect="Allow",
                actions=("kms:Encrypt", "kms:GenerateDataKey"),
                resources=key_arn("replica"),
                conditions=(
                    when("StringEquals", "kms:ViaService", interp("s3.", REPLICA_REGION, ".amazonaws.com")),
                    when("StringLike", "kms:EncryptionContext:aws:s3:arn", bucket_and_objects(replicas)),
                ),
                comment="GenerateDataKey: the replicas use S3 Bucket Keys, which S3 creates under the replica key.",
                layout=Layout(comment_at="inside", multiline=("kms:EncryptionContext:aws:s3:arn",)),
            ),
        ),
    )
