"""What the principal running `terraform apply` needs, derived from what the stack declares (issue 10).

``declared_types`` lists every Terraform resource and data source type the templates will write for these
decisions (the stack README's "Before you apply" and guardform's tests read it; a test renders each stack and
checks the list against the Terraform it wrote). ``decide_apply`` maps each type to the IAM actions Terraform
calls to create or read it, grouped by the service of the type.

The actions are those of the create calls (and the reads of the data sources); reading a resource back, updating
and destroying it need the matching Get/Describe/List, Put/Update and Delete calls. The list is a guide for a
deploy role, not a policy guardform proves: a test checks that every action exists in IAM, not that it suffices.
"""

from __future__ import annotations

from wizard.plan.model import (
    ApplyPlan,
    BedrockPlan,
    IamPlan,
    KeyPlan,
    MaciePlan,
    MonitoringPlan,
    NetworkPlan,
    NotebookPlan,
    ServicePermissions,
    StoragePlan,
)

# Service of each IAM prefix, in the order the README's table lists them.
SERVICES = {
    "kms": "AWS KMS",
    "s3": "Amazon S3",
    "ec2": "Amazon VPC (EC2 API)",
    "iam": "AWS IAM",
    "logs": "Amazon CloudWatch Logs",
    "sns": "Amazon SNS",
    "cloudtrail": "AWS CloudTrail",
    "events": "Amazon EventBridge",
    "macie2": "Amazon Macie",
    "bedrock": "Amazon Bedrock",
    "sagemaker": "Amazon SageMaker AI",
}

_PASS_ROLE = "iam:PassRole"

# Each declared type: the IAM prefix of its service and the actions Terraform calls to create it (a data source: to
# read it). Reading a resource back, updating and destroying it take the matching Get/Describe/List, Put/Update and
# Delete calls, which the README says without listing.
# aws_caller_identity (sts:GetCallerIdentity needs no permission) and aws_partition (no API call) need none.
TYPE_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "data.aws_caller_identity": ("sts", ()),
    "data.aws_partition": ("sts", ()),
    "data.aws_availability_zones": ("ec2", ("ec2:DescribeAvailabilityZones",)),
    "data.aws_vpc": ("ec2", ("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute")),
    "data.aws_subnet": ("ec2", ("ec2:DescribeSubnets",)),
    "data.aws_vpc_endpoint": ("ec2", ("ec2:DescribeVpcEndpoints",)),
    # The session context of an assumed role is read back from IAM (the role behind the session).
    "data.aws_iam_session_context": ("iam", ("iam:GetRole",)),
    "aws_kms_key": (
        "kms",
        (
            "kms:CreateKey",
            "kms:PutKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:TagResource",
        ),
    ),
    "aws_kms_alias": ("kms", ("kms:CreateAlias",)),
    # With object_lock_enabled, CreateBucket also needs s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning.
    "aws_s3_bucket": ("s3", ("s3:CreateBucket", "s3:PutBucketTagging")),
    "aws_s3_bucket_public_access_block": ("s3", ("s3:PutBucketPublicAccessBlock",)),
    "aws_s3_bucket_ownership_controls": ("s3", ("s3:PutBucketOwnershipControls",)),
    "aws_s3_bucket_versioning": ("s3", ("s3:PutBucketVersioning",)),
    "aws_s3_bucket_server_side_encryption_configuration": ("s3", ("s3:PutEncryptionConfiguration",)),
    "aws_s3_bucket_lifecycle_configuration": ("s3", ("s3:PutLifecycleConfiguration",)),
    "aws_s3_bucket_logging": ("s3", ("s3:PutBucketLogging",)),
    "aws_s3_bucket_notification": ("s3", ("s3:PutBucketNotification",)),
    "aws_s3_bucket_object_lock_configuration": ("s3", ("s3:PutBucketObjectLockConfiguration",)),
    "aws_s3_bucket_policy": ("s3", ("s3:PutBucketPolicy",)),
    "aws_s3_bucket_replication_configuration": ("s3", ("s3:PutReplicationConfiguration", _PASS_ROLE)),
    "aws_vpc": ("ec2", ("ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags")),
    "aws_subnet": ("ec2", ("ec2:CreateSubnet",)),
    "aws_route_table": ("ec2", ("ec2:CreateRouteTable",)),
    "aws_route_table_association": ("ec2", ("ec2:AssociateRouteTable",)),
    "aws_default_security_group": ("ec2", ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")),
    "aws_security_group": ("ec2", ("ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress")),
    "aws_vpc_security_group_ingress_rule": ("ec2", ("ec2:AuthorizeSecurityGroupIngress",)),
    "aws_vpc_security_group_egress_rule": ("ec2", ("ec2:AuthorizeSecurityGroupEgress",)),
    # Interface endpoints with private DNS associate the VPC with the service's private hosted zone.
    "aws_vpc_endpoint": (
        "ec2",
        ("ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "route53:AssociateVPCWithHostedZone"),
    ),
    "aws_flow_log": ("ec2", ("ec2:CreateFlowLogs", _PASS_ROLE)),
    "aws_iam_role": ("iam", ("iam:CreateRole", "iam:TagRole", "iam:PutRolePermissionsBoundary")),
    "aws_iam_role_policy": ("iam", ("iam:PutRolePolicy",)),
    "aws_iam_policy": ("iam", ("iam:CreatePolicy", "iam:TagPolicy")),
    "aws_iam_role_policy_attachment": ("iam", ("iam:AttachRolePolicy",)),
    "aws_iam_instance_profile": ("iam", ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")),
    "aws_cloudwatch_log_group": ("logs", ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource")),
    "aws_sns_topic": ("sns", ("sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource")),
    "aws_sns_topic_policy": ("sns", ("sns:SetTopicAttributes",)),
    "aws_sns_topic_subscription": ("sns", ("sns:Subscribe",)),
    # Delivery to CloudWatch Logs passes the trail's role.
    "aws_cloudtrail": (
        "cloudtrail",
        (
            "cloudtrail:CreateTrail",
            "cloudtrail:PutEventSelectors",
            "cloudtrail:StartLogging",
            "cloudtrail:AddTags",
            _PASS_ROLE,
        ),
    ),
    "aws_cloudwatch_event_rule": ("events", ("events:PutRule", "events:TagResource")),
    "aws_cloudwatch_event_target": ("events", ("events:PutTargets",)),
    # Enabling Macie creates its service-linked role.
    "aws_macie2_account": ("macie2", ("macie2:EnableMacie", "iam:CreateServiceLinkedRole")),
    "aws_macie2_custom_data_identifier": ("macie2", ("macie2:CreateCustomDataIdentifier",)),
    "aws_macie2_classification_export_configuration": ("macie2", ("macie2:PutClassificationExportConfiguration",)),
    "aws_macie2_classification_job": ("macie2", ("macie2:CreateClassificationJob",)),
    "aws_bedrock_guardrail": ("bedrock", ("bedrock:CreateGuardrail", "bedrock:TagResource")),
    "aws_bedrock_guardrail_version": ("bedrock", ("bedrock:CreateGuardrailVersion",)),
    "aws_bedrock_model_invocation_logging_configuration": (
        "bedrock",
        ("bedrock:PutModelInvocationLoggingConfiguration", _PASS_ROLE),
    ),
    "aws_sagemaker_notebook_instance": (
        "sagemaker",
        ("sagemaker:CreateNotebookInstance", "sagemaker:AddTags", _PASS_ROLE),
    ),
}

_BUCKET_TYPES = (
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_policy",
)
_ACCOUNT = ("data.aws_caller_identity", "data.aws_partition")
_ROLE = ("aws_iam_role", "aws_iam_role_policy")


def _kms_types(keys: tuple[KeyPlan, ...]) -> list[str]:
    return [*_ACCOUNT, "aws_kms_key", "aws_kms_alias"] if keys else []


def _s3_types(storage: StoragePlan) -> list[str]:
    types = [*_ACCOUNT, *_BUCKET_TYPES]
    types += ["aws_s3_bucket_logging"] if any(b.log_to for b in storage.buckets) else []
    types += ["aws_s3_bucket_object_lock_configuration"] if any(b.object_lock for b in storage.buckets) else []
    types += ["data.aws_iam_session_context"] if storage.perimeter_list_exempt else []
    types += [*_ROLE, "aws_s3_bucket_replication_configuration"] if storage.replication else []
    return types


def _network_types(net: NetworkPlan) -> list[str]:
    types = list(_ACCOUNT)
    if net.new:
        types += ["data.aws_availability_zones", "aws_vpc", "aws_subnet", "aws_route_table"]
        types += ["aws_route_table_association", "aws_default_security_group", "aws_cloudwatch_log_group"]
        types += [*_ROLE, "aws_flow_log"]
    else:
        types += ["data.aws_vpc", "data.aws_subnet"]
    types += ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
    types += ["data.aws_vpc_endpoint"] if net.reused_endpoints else []
    types += ["aws_vpc_endpoint"] if net.created_endpoints else []
    return types


def _iam_types(iam: IamPlan) -> list[str]:
    types = list(_ACCOUNT)
    types += ["aws_iam_policy"] if iam.job_guardrails_policy or iam.boundary else []
    types += list(_ROLE) if iam.roles else []
    types += ["aws_iam_role_policy_attachment"] if any(r.attach_job_guardrails for r in iam.roles) else []
    types += ["aws_iam_instance_profile"] if iam.profile_roles else []
    return types


def _monitoring_types(mon: MonitoringPlan) -> list[str]:
    types = [*_ACCOUNT, "aws_sns_topic", "aws_sns_topic_policy"]
    types += ["aws_sns_topic_subscription"] if mon.alert_email else []
    return [*types, "aws_cloudwatch_log_group", *_ROLE, "aws_cloudtrail"]


def _macie_types(macie: MaciePlan | None) -> list[str]:
    if macie is None:
        return []
    types = ["data.aws_caller_identity", "aws_macie2_account"]
    types += ["aws_macie2_custom_data_identifier"] if macie.custom_identifiers else []
    types += ["aws_macie2_classification_export_configuration"] if macie.export_results else []
    types += ["aws_macie2_classification_job"]
    return types + (["aws_cloudwatch_event_rule", "aws_cloudwatch_event_target"] if macie.alerts else [])


def _bedrock_types(bedrock: BedrockPlan | None) -> list[str]:
    if bedrock is None:
        return []
    types = ["aws_bedrock_guardrail", "aws_bedrock_guardrail_version"] if bedrock.guardrail else []
    if bedrock.invocation_logging:
        types += [*_ACCOUNT, "aws_cloudwatch_log_group", *_ROLE, "aws_bedrock_model_invocation_logging_configuration"]
    return types


def declared_types(
    *,
    keys: tuple[KeyPlan, ...],
    storage: StoragePlan,
    network: NetworkPlan,
    iam: IamPlan,
    monitoring: MonitoringPlan,
    macie: MaciePlan | None,
    bedrock: BedrockPlan | None,
    notebook: NotebookPlan | None,
) -> tuple[str, ...]:
    """Every resource type (and, as ``data.<type>``, data source type) the stack's Terraform declares, sorted."""
    types = _kms_types(keys) + _s3_types(storage) + _network_types(network) + _iam_types(iam)
    types += _monitoring_types(monitoring) + _macie_types(macie) + _bedrock_types(bedrock)
    types += ["aws_sagemaker_notebook_instance"] if notebook else []
    return tuple(sorted(set(types)))


def decide_apply(types: tuple[str, ...], *, baa: bool) -> ApplyPlan:
    """The permissions the apply needs, by service, from the declared types."""
    by_prefix: dict[str, tuple[list[str], list[str]]] = {}
    for t in types:
        prefix, actions = TYPE_ACTIONS[t]
        if not actions:
            continue
        created, needed = by_prefix.setdefault(prefix, ([], []))
        if not t.startswith("data."):
            created.append(t)
        needed += [a for a in actions if a not in needed]
    permissions = tuple(
        ServicePermissions(service=name, prefix=prefix, creates=tuple(created), actions=tuple(sorted(needed)))
        for prefix, name in SERVICES.items()
        if prefix in by_prefix
        for created, needed in (by_prefix[prefix],)
    )
    roles = "aws_iam_role" in types
    return ApplyPlan(
        resource_types=types,
        permissions=permissions,
        # Creating roles, writing their policies and passing them to services can grant any permission:
        # whoever may do that is an administrator in effect, whatever the policy is called.
        administrator_level=roles and any(_PASS_ROLE in p.actions for p in permissions),
        baa=baa,
    )
