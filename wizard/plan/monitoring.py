"""CloudTrail, S3 data events, log retention and the security alerts topic (catalog §6)."""

from __future__ import annotations

from wizard.answers import Answers, BedrockCaller, WorkloadKind
from wizard.plan.facts import Facts
from wizard.plan.model import MonitoringPlan, ServiceLogGroup
from wizard.plan.policy import (
    ACCOUNT_ID,
    REGION,
    TRAIL_ARN,
    Layout,
    PolicyDocument,
    Ref,
    Statement,
    interp,
    service,
    when,
)
from wizard.plan.section import Ledger, Section

_TRAIL = service("cloudtrail.amazonaws.com")
_SOURCE_ACCOUNT = when("StringEquals", "aws:SourceAccount", ACCOUNT_ID)
TRAIL_LOG_GROUP_ARN = Ref(module="monitoring", type="cloudwatch_log_group", name="trail", attr="arn")


def _topic_policies() -> tuple[PolicyDocument, PolicyDocument]:
    alerts = PolicyDocument(
        kind="topic",
        statements=(
            Statement(
                sid="AllowEventBridgePublish",
                effect="Allow",
                principal=service("events.amazonaws.com"),
                actions="sns:Publish",
                resources=Ref(module="monitoring", type="sns_topic", name="alerts", attr="arn"),
                comment="EventBridge rules (Macie findings and any rule you add) publish here. No Condition on\n"
                "purpose: EventBridge sets no aws:SourceAccount/aws:SourceArn on SNS publishes, so a\n"
                "condition would silently drop every alert (\"You can't use Condition blocks in Amazon SNS\n"
                'topic policies for EventBridge", EventBridge user guide).',
                layout=Layout(comment_at="inside"),
            ),
        ),
    )
    trail = PolicyDocument(
        kind="topic",
        statements=(
            Statement(
                sid="AllowCloudTrailPublish",
                effect="Allow",
                principal=_TRAIL,
                actions="sns:Publish",
                resources=Ref(module="monitoring", type="sns_topic", name="trail_notifications", attr="arn"),
                conditions=(_SOURCE_ACCOUNT, when("StringEquals", "aws:SourceArn", TRAIL_ARN)),
            ),
        ),
    )
    return alerts, trail


def _trail_logs() -> tuple[PolicyDocument, PolicyDocument]:
    trust = PolicyDocument(
        kind="trust",
        statements=(
            Statement(
                sid="CloudTrailDeliversToCloudWatchLogs",
                effect="Allow",
                principal=_TRAIL,
                actions="sts:AssumeRole",
                comment="No aws:SourceAccount/aws:SourceArn: CloudTrail does not send them when it assumes this role\n"
                '("Confused deputy prevention is not applicable to the role policy for CloudWatch Logs monitoring",\n'
                "CloudTrail user guide, cloudtrail-required-policy-for-cloudwatch-logs), so either condition would\n"
                "stop delivery. The role can do nothing but write this trail's log streams.",
                layout=Layout(comment_at="inside"),
            ),
        ),
    )
    policy = PolicyDocument(
        kind="identity",
        statements=(
            Statement(
                sid="WriteTrailLogStreams",
                effect="Allow",
                actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                resources=interp(TRAIL_LOG_GROUP_ARN, ":log-stream:", ACCOUNT_ID, "_CloudTrail_", REGION, "*"),
                comment="CloudTrail names its streams <account>_CloudTrail_<home region>_<n>.",
                layout=Layout(comment_at="inside", multiline=("Action",)),
            ),
        ),
    )
    return trust, policy


def _service_log_groups(answers: Answers, f: Facts) -> tuple[ServiceLogGroup, ...]:
    """The groups SageMaker and Lambda write to, created here with the logs key and the retention (finding 12).

    SageMaker names one group per kind of job (TrainingJobs, NotebookInstances) and creates it on first use if it
    is missing, encrypted only with CloudWatch Logs' own key and kept forever. Endpoint groups are named per endpoint
    (/aws/sagemaker/Endpoints/<endpoint>), which this stack does not create, so they are not here. A Lambda
    function logs to /aws/lambda/<function> unless its logging_config names a group: this group is the one the
    functions of the stack are to name (the monitoring README says how).
    """
    groups = []
    if f.has(WorkloadKind.sagemaker_training):
        groups.append(
            ServiceLogGroup(
                name="sagemaker_training_jobs",
                log_group="/aws/sagemaker/TrainingJobs",
                shown="/aws/sagemaker/TrainingJobs",
                purpose="SageMaker training jobs",
            )
        )
    if f.has(WorkloadKind.sagemaker_notebook):
        groups.append(
            ServiceLogGroup(
                name="sagemaker_notebook_instances",
                log_group="/aws/sagemaker/NotebookInstances",
                shown="/aws/sagemaker/NotebookInstances",
                purpose="SageMaker notebook instances",
            )
        )
    if f.has_bedrock and BedrockCaller.lambda_ in answers.workload.bedrock_callers:
        groups.append(
            ServiceLogGroup(
                name="lambda_functions",
                log_group="/aws/lambda/${var.name_prefix}",
                shown=f"/aws/lambda/{f.name_prefix}",
                purpose="the stack's Lambda functions, through their logging_config.log_group",
            )
        )
    return tuple(groups)


def decide_monitoring(answers: Answers, f: Facts) -> Section[MonitoringPlan]:
    data_events = "all" if f.restricted else "write" if f.conf else "none"
    email = answers.monitoring.alert_email
    alerts, trail = _topic_policies()
    trust, policy = _trail_logs()
    monitoring = MonitoringPlan(
        data_events=data_events,
        # The trail is multi-region, so it records the replicas' data events in the replica region too.
        data_event_buckets=("training_data", "model_artifacts")
        + (("training_data_replica", "model_artifacts_replica") if f.replica_region else ()),
        alert_email=email,
        alerts_topic_policy=alerts,
        trail_topic_policy=trail,
        trail_logs_trust=trust,
        trail_logs_policy=policy,
        service_log_groups=_service_log_groups(answers, f),
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
