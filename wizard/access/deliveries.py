"""Service deliveries: what AWS services and the stack's own service roles write into the stack (trails,
invocation logs, Macie results, server access logs, replicas)."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.access.facts import StackFacts, slug
from wizard.access.flow import Context, Flow, Principal, Resource

CLOUDTRAIL = Principal(kind="service", name="cloudtrail.amazonaws.com")
BEDROCK = Principal(kind="service", name="bedrock.amazonaws.com")


def cloudtrail_flows(stack: StackFacts) -> Iterator[Flow]:
    """CloudTrail delivers to the audit bucket and, through its role, to CloudWatch Logs."""
    yield Flow(
        id="cloudtrail-checks-audit-acl",
        workload="stack",
        principal=CLOUDTRAIL,
        action="s3:GetBucketAcl",
        resource=Resource(kind="bucket", name="audit"),
        context=Context(source="trail"),
        expect="allow",
        why="CloudTrail checks the audit bucket before it delivers",
    )
    yield Flow(
        id="cloudtrail-delivers-to-audit",
        workload="stack",
        principal=CLOUDTRAIL,
        action="s3:PutObject",
        resource=Resource(kind="object", name="audit", path="AWSLogs/ACCOUNT/CloudTrail/REGION/log.json.gz"),
        context=Context(source="trail"),
        expect="allow",
        why="CloudTrail delivers log files, encrypted with the logs key",
    )
    yield Flow(
        id="cloudtrail-assumes-logs-role",
        workload="stack",
        principal=CLOUDTRAIL,
        action="sts:AssumeRole",
        resource=Resource(kind="role", name="trail_logs"),
        context=Context(source="trail", source_account=False),
        expect="allow",
        why="CloudTrail delivers to CloudWatch Logs (it sends no aws:SourceAccount/SourceArn there)",
    )
    yield Flow(
        id="trail-logs-role-writes-trail-log-group",
        workload="stack",
        principal=Principal(kind="stack_role", name="trail_logs"),
        action="logs:PutLogEvents",
        resource=Resource(
            kind="log_stream", name=f"/aws/cloudtrail/{stack.plan.name_prefix}", path="ACCOUNT_CloudTrail_REGION"
        ),
        context=Context(via_vpce=False),
        expect="allow",
        why="CloudTrail's role writes the trail to CloudWatch Logs",
    )


def invocation_logging_flows(stack: StackFacts) -> Iterator[Flow]:
    """With Bedrock invocation logging: Bedrock writes the logs to CloudWatch Logs with the logging role."""
    bedrock = stack.plan.bedrock
    if bedrock is None or not bedrock.invocation_logging:
        return
    yield Flow(
        id="bedrock-assumes-logging-role",
        workload="bedrock",
        principal=BEDROCK,
        action="sts:AssumeRole",
        resource=Resource(kind="role", name="invocation_logging"),
        context=Context(source="bedrock_logging"),
        expect="allow",
        why="Bedrock delivers invocation logs to CloudWatch Logs with the logging role",
    )
    yield Flow(
        id="logging-role-writes-invocation-logs",
        workload="bedrock",
        principal=Principal(kind="stack_role", name="invocation_logging"),
        action="logs:PutLogEvents",
        resource=Resource(
            kind="log_stream",
            name=f"/aws/bedrock/modelinvocations/{stack.plan.name_prefix}",
            path="aws/bedrock/modelinvocations",
        ),
        context=Context(via_vpce=False),
        expect="allow",
        why="the logging role writes the invocation logs",
    )


def bucket_delivery_flows(stack: StackFacts) -> Iterator[Flow]:
    """Services write into the stack's log buckets: Macie results, Bedrock invocation logs, S3 access logs."""
    plan = stack.plan
    if plan.has_bucket("macie_results"):
        yield Flow(
            id="macie-exports-results",
            workload="stack",
            principal=Principal(kind="service", name="macie.amazonaws.com"),
            action="s3:PutObject",
            resource=Resource(kind="object", name="macie_results", path="AWSLogs/r.jsonl.gz"),
            context=Context(source="macie_export"),
            expect="allow",
            why="Macie exports its discovery results",
        )
    if plan.has_bucket("bedrock_logs"):
        yield Flow(
            id="bedrock-logging-delivers",
            workload="bedrock",
            principal=BEDROCK,
            action="s3:PutObject",
            resource=Resource(kind="object", name="bedrock_logs", path="AWSLogs/ACCOUNT/BedrockModelInvocationLogs/x"),
            context=Context(source="bedrock_logging"),
            expect="allow",
            why="Bedrock delivers invocation logs",
        )
    for bucket in plan.buckets:
        if bucket.log_to is not None:
            yield Flow(
                id=f"access-logs-from-{slug(bucket.name)}",
                workload="stack",
                principal=Principal(kind="service", name="logging.s3.amazonaws.com"),
                action="s3:PutObject",
                resource=Resource(kind="object", name=bucket.log_to, path=f"{bucket.log_prefix}log"),
                context=Context(source=f"bucket:{bucket.name}"),
                expect="allow",
                why=f"S3 delivers the server access logs of {bucket.name}",
            )


def replication_flows(stack: StackFacts) -> Iterator[Flow]:
    """The replication role writes each replicated bucket's replica in the replica region."""
    replication = stack.plan.replication
    if replication is None:
        return
    for src in replication.buckets:
        yield Flow(
            id=f"replication-writes-{slug(src)}-replica",
            workload="stack",
            principal=Principal(kind="stack_role", name="replication"),
            action="s3:ReplicateObject",
            resource=Resource(kind="object", name=f"{src}_replica", path="datasets/notes.jsonl"),
            context=Context(region=replication.region, via_vpce=False),
            expect="allow",
            why=f"S3 replicates {src} to {replication.region}",
        )
