"""Prove a stack's access matrix: each flow of ``wizard.access`` evaluated against the generated policies.

The decision is principalmapper's offline policy simulation (``local_check_authorization_full``: explicit denies
in every policy, the SCP, the resource policy with IAM's and KMS's same-account rule, the permission boundary and
the principal's own policies, with conditions). Two layers it does not model are evaluated with the same library
as separate policies that must also allow: the VPC endpoint policy of the endpoint a request goes through, and,
for AWS service principals, the resource policy alone (``resource_policy_authorization``; a service principal
has no identity policies and no SCP applies to it). Each flow expands into the requests AWS authorizes for it
(the KMS call an SSE-KMS object read or write implies, the PassRole a job creation implies, the destination-region
model calls of an inference profile), and a flow is allowed only when every request is.

When a request is denied, :func:`explain` names the layer that decided, with the statement id, using
principalmapper's statement matcher on one layer at a time.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from principalmapper.common import Node, Policy  # type: ignore[import-untyped]
from principalmapper.querying.local_policy_simulation import (  # type: ignore[import-untyped]
    ResourcePolicyEvalResult,
    policy_has_matching_statement,
    resource_policy_authorization,
)
from principalmapper.querying.query_interface import (  # type: ignore[import-untyped]
    _infer_condition_keys,
    _prepare_condition_context,
    local_check_authorization_full,
)
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # type: ignore[import-untyped]

from tests.access.terraform import ACCOUNT, OTHER_ACCOUNT, PARTITION, Document, Stack
from wizard.access import Flow, is_inference_profile
from wizard.plan import Plan

# Destination regions of the cross-region inference profiles by geography prefix. AWS defines them per profile
# and per source region (GetInferenceProfile is the authority); these are the regions AWS's profile list names
# for the US, EU and APAC Anthropic profiles. A known limit: the proof cannot ask AWS.
PROFILE_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2"),
}

# The endpoint a request of each service goes through (plan.network.endpoints names).
_ENDPOINT_OF = {
    "s3": "s3",
    "logs": "logs",
    "sts": "sts",
    "bedrock": "bedrock_runtime",
    "ecr": "ecr_api",
    "cloudwatch": "monitoring",
}
_SAGEMAKER_RUNTIME = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync")
# Actions the caller's own policies (outside the stack) grant to account principals, admins and other accounts.
_OWN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "OwnPoliciesAllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
_FOREIGN_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AttackerTrustsAll", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    ],
}
_FOREIGN_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AttackerAllowsAll", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a flow."""

    principal: str  # ARN, or a service principal name
    action: str
    resource: str
    context: Mapping[str, Any]
    owner: str  # account that owns the resource
    endpoint: str | None  # plan endpoint name the request goes through, if any
    note: str = ""  # why this request is part of the flow


@dataclass(frozen=True)
class Layer:
    name: str  # identity | boundary | scp | resource | endpoint | trust | key
    where: str
    policy: dict[str, Any]


@dataclass
class Verdict:
    flow: Flow
    allowed: bool
    requests: list[tuple[Request, bool, str]] = field(default_factory=list)  # request, allowed, deciding layer

    def message(self, stack: str) -> str:
        lines = [
            f"stack {stack}, flow {self.flow.id} (expected {self.flow.expect}, got "
            f"{'allow' if self.allowed else 'deny'}): {self.flow.why}",
        ]
        for req, ok, why in self.requests:
            lines.append(
                f"  {'ALLOW' if ok else 'DENY '} {req.principal} {req.action} {req.resource}"
                + (f" [{req.note}]" if req.note else "")
                + f"\n        decided by: {why}"
            )
        return "\n".join(lines)


def _stringify(value: Any) -> Any:
    """IAM compares condition values as strings; jsonencode wrote 1.2 and true as JSON numbers and booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, dict):
        return {k: _stringify(v) if k == "Condition" or not isinstance(v, str) else v for k, v in value.items()}
    return value


def _norm(doc: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(doc)
    statements = body["Statement"] if isinstance(body["Statement"], list) else [body["Statement"]]
    for st in statements:
        if "Condition" in st:
            st["Condition"] = {op: {k: _stringify(v) for k, v in kv.items()} for op, kv in st["Condition"].items()}
    body["Statement"] = statements
    return body


class Proof:
    """The generated policies of one rendered stack, and the flows of its plan evaluated against them."""

    def __init__(self, plan: Plan, stack: Stack) -> None:
        self.plan = plan
        self.stack = stack
        docs = stack.documents()
        self.docs = docs
        self.region = plan.region
        self.s3 = stack.module("s3")
        self.iam = stack.module("iam")
        self.kms = stack.module("kms")
        self.network = stack.module("network")
        self.scp = [d for d in docs if d.kind == "scp"]

    # -- names to ARNs ------------------------------------------------------------------------------

    def bucket_name(self, name: str) -> str:
        return str(self.s3.resource("resource", "aws_s3_bucket", name)["bucket"])

    def bucket_region(self, name: str) -> str:
        replica = next(b for b in self.plan.buckets if b.name == name).provider == "aws.replica"
        return self.plan.replication.region if replica and self.plan.replication else self.region

    def key_arn(self, name: str) -> str:
        return str(self.kms.resource("resource", "aws_kms_key", name)["arn"])

    def role(self, kind: str, name: str) -> Mapping[str, Any]:
        if kind == "workload_role":
            return self.iam.resource("resource", "aws_iam_role", name)  # type: ignore[no-any-return]
        module = {"replication": "s3", "trail_logs": "monitoring", "invocation_logging": "bedrock"}[name]
        return self.stack.module(module).resource("resource", "aws_iam_role", name)  # type: ignore[no-any-return]

    def endpoint_id(self, name: str) -> str | None:
        if not any(e.name == name for e in self.plan.network.endpoints):
            return None
        return str(self.network.resource("resource", "aws_vpc_endpoint", name)["id"])

    def endpoint_policy(self, name: str) -> Document | None:
        ep = self.endpoint_id(name)
        return next((d for d in self.docs if d.kind == "endpoint" and d.attached_to == ep), None)

    def guardrail_arn(self) -> str:
        return str(self.stack.module("bedrock").resource("resource", "aws_bedrock_guardrail", "this")["guardrail_arn"])

    def trail_arn(self) -> str:
        return str(self.stack.module("monitoring").resource("resource", "aws_cloudtrail", "this")["arn"])

    def subnets(self) -> list[str]:
        return list(self.network.outputs["private_subnet_ids"])

    def workload_sg(self) -> str:
        return str(self.network.outputs["workload_security_group_id"])

    def principal_arn(self, flow: Flow) -> str:
        p = flow.principal
        if p.kind in ("workload_role", "stack_role"):
            return str(self.role(p.kind, p.name)["arn"])
        if p.kind == "admin_role":
            return p.name
        if p.kind == "account_principal":
            return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{p.name}"
        if p.kind == "other_account":
            return f"arn:{PARTITION}:iam::{OTHER_ACCOUNT}:role/{p.name}"
        return p.name  # a service principal

    # -- policies of a principal -----------------------------------------------------------------------

    def node(self, flow: Flow, arn: str) -> Node:
        p = flow.principal
        attached: list[Policy] = []
        boundary: Policy | None = None
        if p.kind in ("workload_role", "stack_role"):
            role = self.role(p.kind, p.name)
            name = str(role["name"])
            for d in self.docs:
                if d.kind == "identity" and d.attached_to == name:
                    attached.append(Policy(f"{arn}", d.where, _norm(d.body)))
            for module in self.stack.modules():
                for (type_, rname), _blk in module.raw.resources.items():
                    if type_ != "aws_iam_role_policy_attachment":
                        continue
                    att = module.resource("resource", type_, rname)
                    if att["role"] == name:
                        doc = self.managed(str(att["policy_arn"]))
                        attached.append(Policy(doc.attached_to, doc.where, _norm(doc.body)))
            pb = role.get("permissions_boundary")
            if pb:
                doc = self.managed(str(pb))
                boundary = Policy(doc.attached_to, doc.where, _norm(doc.body))
        else:
            attached.append(Policy(arn, "the principal's own policies (outside the stack): allow *", _OWN_POLICY))
            for name in p.stack_policies:
                policy_arn = str(self.iam.resource("resource", "aws_iam_policy", name)["arn"])
                doc = self.managed(policy_arn)
                attached.append(Policy(doc.attached_to, doc.where, _norm(doc.body)))
        trust = {"Version": "2012-10-17", "Statement": []}
        return Node(
            arn,
            "AROA" + hashlib.sha256(arn.encode()).hexdigest()[:16].upper(),
            attached,
            [],
            trust,
            None,
            0,
            False,
            False,
            boundary,
            False,
            None,
        )

    def managed(self, arn: str) -> Document:
        doc = next((d for d in self.docs if d.kind == "managed" and d.attached_to == arn), None)
        if doc is None:
            raise AssertionError(f"no managed policy {arn} in the stack")
        return doc

    def resource_policy(self, req: Request, flow: Flow) -> Layer | None:
        r = flow.resource
        if req.action == "sts:AssumeRole" and req.owner != ACCOUNT:
            return Layer("trust policy", "the other account's role (trusts everyone)", _FOREIGN_TRUST_POLICY)
        if req.action == "sts:AssumeRole":
            role = self.role(
                "workload_role" if any(x.name == r.name for x in self.plan.iam.roles) else "stack_role", r.name
            )
            doc = next(d for d in self.docs if d.kind == "trust" and d.attached_to == role["name"])
            return Layer("trust policy", doc.where, _norm(doc.body))
        if req.resource.startswith(f"arn:{PARTITION}:kms:"):
            doc = next(d for d in self.docs if d.kind == "key" and d.attached_to == req.resource)
            return Layer("key policy", doc.where, _norm(doc.body))
        if req.resource.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = req.resource.removeprefix(f"arn:{PARTITION}:s3:::").split("/", 1)[0]
            if req.owner != ACCOUNT:
                return Layer("bucket policy", "the other account's bucket (allows everything)", _FOREIGN_BUCKET_POLICY)
            found = next((d for d in self.docs if d.kind == "bucket" and d.attached_to == bucket), None)
            return Layer("bucket policy", found.where, _norm(found.body)) if found else None
        return None

    # -- flows to requests -----------------------------------------------------------------------------

    def requests(self, flow: Flow) -> list[Request]:
        c, r = flow.context, flow.resource
        region = c.region or self.region
        principal = self.principal_arn(flow)
        is_service = flow.principal.kind == "service"
        base: dict[str, Any] = {
            "aws:SecureTransport": "true" if c.tls else "false",
            "s3:TlsVersion": "1.3" if c.tls else "1.0",
            "aws:RequestedRegion": region,
            "aws:ViaAWSService": "true" if c.via_aws_service else "false",
            "aws:PrincipalIsAWSService": "true" if is_service else "false",
        }
        if is_service:
            base["aws:PrincipalServiceName"] = flow.principal.name
            if c.source_account:
                base["aws:SourceAccount"] = ACCOUNT if c.caller_account == "this" else OTHER_ACCOUNT
                if c.source:
                    base["aws:SourceArn"] = self.source_arn(c.source, c.caller_account)
        service = flow.action.split(":")[0]
        endpoint = None
        if c.via_vpce and not is_service and flow.principal.kind != "other_account":
            endpoint = _ENDPOINT_OF.get(service)
            if service == "sagemaker":
                endpoint = "sagemaker_runtime" if flow.action in _SAGEMAKER_RUNTIME else "sagemaker_api"
            if endpoint is not None and self.endpoint_id(endpoint) is None:
                endpoint = None
            if endpoint is not None:
                base["aws:SourceVpce"] = self.endpoint_id(endpoint)
        out: list[Request] = []
        if r.kind in ("object", "bucket", "foreign_object"):
            owner = ACCOUNT
            if r.kind == "foreign_object":
                bucket = next(b for b in self.plan.buckets if b.name == r.name).bucket_prefix + "attacker"
                owner = OTHER_ACCOUNT
                region = self.region
            else:
                bucket = self.bucket_name(r.name)
                region = self.bucket_region(r.name)
            base["aws:ResourceAccount"] = owner
            path = r.path.replace("ACCOUNT", ACCOUNT).replace("REGION", self.region)
            arn = f"arn:{PARTITION}:s3:::{bucket}" + (f"/{path}" if r.kind != "bucket" else "")
            ctx = dict(base)
            key = c.kms_key
            if flow.action == "s3:PutObject":
                if key is not None:
                    ctx["s3:x-amz-server-side-encryption"] = "aws:kms"
                    ctx["s3:x-amz-server-side-encryption-aws-kms-key-id"] = self.key_arn(key)
                if flow.principal.name == "cloudtrail.amazonaws.com":
                    ctx["s3:x-amz-acl"] = "bucket-owner-full-control"
            out.append(Request(principal, flow.action, arn, ctx, owner, endpoint))
            if r.kind == "object" and flow.action in ("s3:GetObject", "s3:PutObject", "s3:ReplicateObject"):
                plan_bucket = next(b for b in self.plan.buckets if b.name == r.name)
                kms_name = key or plan_bucket.key
                if kms_name is not None:
                    out.append(self.kms_request(flow, principal, kms_name, bucket, region, base))
        elif r.kind == "key":
            ctx = dict(base)
            ctx["kms:CallerAccount"] = ACCOUNT
            out.append(Request(principal, flow.action, self.key_arn(r.name), ctx, ACCOUNT, None))
        elif r.kind in ("model", "inference_profile"):
            ctx = dict(base)
            if c.guardrail != "none":
                gid = self.guardrail_arn() if c.guardrail == "this" else self.guardrail_arn() + "x"
                ctx["bedrock:GuardrailIdentifier"] = f"{gid}:{c.guardrail_version}"
            if r.kind == "model":
                out.append(
                    Request(
                        principal,
                        flow.action,
                        f"arn:{PARTITION}:bedrock:{region}::foundation-model/{r.name}",
                        ctx,
                        ACCOUNT,
                        endpoint,
                    )
                )
            else:
                profile = f"arn:{PARTITION}:bedrock:{region}:{ACCOUNT}:inference-profile/{r.name}"
                out.append(Request(principal, flow.action, profile, ctx, ACCOUNT, endpoint))
                geo, model = r.name.split(".", 1)
                for dest in PROFILE_DESTINATIONS.get(geo, ()):
                    dctx = dict(ctx, **{"aws:RequestedRegion": dest, "bedrock:InferenceProfileArn": profile})
                    out.append(
                        Request(
                            principal,
                            flow.action,
                            f"arn:{PARTITION}:bedrock:{dest}::foundation-model/{model}",
                            dctx,
                            ACCOUNT,
                            None,
                            f"the profile routes to {dest}",
                        )
                    )
        elif r.kind in ("log_stream", "log_group"):
            arn = f"arn:{PARTITION}:logs:{region}:{ACCOUNT}:log-group:{r.name}"
            if r.kind == "log_stream":
                arn += ":log-stream:" + r.path.replace("ACCOUNT", ACCOUNT).replace("REGION", region)
            out.append(Request(principal, flow.action, arn, dict(base), ACCOUNT, endpoint))
        elif r.kind == "network_interface":
            ctx = dict(base)
            if flow.action.startswith("ec2:Describe"):
                out.append(Request(principal, flow.action, "*", ctx, ACCOUNT, None))
            else:
                out.append(
                    Request(
                        principal,
                        flow.action,
                        f"arn:{PARTITION}:ec2:{region}:{ACCOUNT}:network-interface/eni-0123456789abcdef0",
                        ctx,
                        ACCOUNT,
                        None,
                    )
                )
                if flow.action == "ec2:CreateNetworkInterface":
                    out.append(
                        Request(
                            principal,
                            flow.action,
                            f"arn:{PARTITION}:ec2:{region}:{ACCOUNT}:subnet/{self.subnets()[0]}",
                            ctx,
                            ACCOUNT,
                            None,
                            "the subnet",
                        )
                    )
                    out.append(
                        Request(
                            principal,
                            flow.action,
                            f"arn:{PARTITION}:ec2:{region}:{ACCOUNT}:security-group/{self.workload_sg()}",
                            ctx,
                            ACCOUNT,
                            None,
                            "the security group",
                        )
                    )
        elif r.kind == "training_job":
            ctx = dict(base)
            job = c.job
            if job is not None:
                if job.in_vpc:
                    ctx["sagemaker:VpcSubnets"] = self.subnets()
                    ctx["sagemaker:VpcSecurityGroupIds"] = [self.workload_sg()]
                ctx["sagemaker:NetworkIsolation"] = "true" if job.network_isolation else "false"
                ctx["sagemaker:InterContainerTrafficEncryption"] = "true" if job.inter_container_encryption else "false"
                if job.volume_key:
                    ctx[self.key_names[0]] = self.key_arn(job.volume_key)
                if job.output_key:
                    ctx[self.key_names[1]] = self.key_arn(job.output_key)
            arn = f"arn:{PARTITION}:sagemaker:{region}:{ACCOUNT}:training-job/{r.name}"
            out.append(Request(principal, flow.action, arn, ctx, ACCOUNT, endpoint))
            training = self.iam.resource("resource", "aws_iam_role", "sagemaker_training")
            pctx = dict(base, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
            pctx.pop("aws:SourceVpce", None)
            out.append(
                Request(
                    principal,
                    "iam:PassRole",
                    str(training["arn"]),
                    pctx,
                    ACCOUNT,
                    None,
                    "the job runs with the training role",
                )
            )
        elif r.kind == "notebook_instance":
            arn = f"arn:{PARTITION}:sagemaker:{region}:{ACCOUNT}:notebook-instance/{r.name}"
            ctx = dict(base)
            job = c.job
            if job is not None:
                if job.in_vpc:
                    ctx["sagemaker:VpcSubnets"] = self.subnets()[:1]
                    ctx["sagemaker:VpcSecurityGroupIds"] = [self.workload_sg()]
                if job.volume_key:
                    ctx[self.key_names[0]] = self.key_arn(job.volume_key)
                ctx["sagemaker:DirectInternetAccess"] = "Enabled" if job.direct_internet_access else "Disabled"
                ctx["sagemaker:RootAccess"] = "Enabled" if job.root_access else "Disabled"
                ctx["sagemaker:MinimumInstanceMetadataServiceVersion"] = "2"
            out.append(Request(principal, flow.action, arn, ctx, ACCOUNT, endpoint))
            if flow.action == "sagemaker:CreateNotebookInstance":
                role = self.iam.resource("resource", "aws_iam_role", "sagemaker_notebook")
                pctx = dict(base, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
                pctx.pop("aws:SourceVpce", None)
                out.append(
                    Request(
                        principal,
                        "iam:PassRole",
                        str(role["arn"]),
                        pctx,
                        ACCOUNT,
                        None,
                        "the notebook runs with the notebook role",
                    )
                )
        elif r.kind == "foreign_role":
            arn = f"arn:{PARTITION}:iam::{OTHER_ACCOUNT}:role/{r.name}"
            out.append(
                Request(
                    principal,
                    flow.action,
                    arn,
                    dict(base, **{"aws:ResourceAccount": OTHER_ACCOUNT}),
                    OTHER_ACCOUNT,
                    endpoint,
                )
            )
        elif r.kind == "role":
            kind = "workload_role" if any(x.name == r.name for x in self.plan.iam.roles) else "stack_role"
            out.append(Request(principal, flow.action, str(self.role(kind, r.name)["arn"]), dict(base), ACCOUNT, None))
        else:
            raise AssertionError(f"flow {flow.id}: resource kind {r.kind} is not mapped")
        return out

    # The SageMaker condition keys a CreateTrainingJob request carries; see the key-name variants in the test.
    key_names: tuple[str, str] = ("sagemaker:VolumeKmsKeyArn", "sagemaker:OutputKmsKeyArn")

    def kms_request(
        self, flow: Flow, principal: str, key: str, bucket: str, region: str, base: Mapping[str, Any]
    ) -> Request:
        action = "kms:Decrypt" if flow.action == "s3:GetObject" else "kms:GenerateDataKey"
        if flow.action == "s3:ReplicateObject":
            action = "kms:Encrypt"
        ctx = {k: v for k, v in base.items() if k not in ("aws:SourceVpce", "aws:ResourceAccount", "s3:TlsVersion")}
        ctx["kms:CallerAccount"] = ACCOUNT
        ctx["aws:RequestedRegion"] = region
        if flow.principal.kind != "service":
            ctx["kms:ViaService"] = f"s3.{region}.amazonaws.com"
        ctx["kms:EncryptionContext:aws:s3:arn"] = f"arn:{PARTITION}:s3:::{bucket}"
        if flow.principal.name == "cloudtrail.amazonaws.com":
            ctx["kms:EncryptionContext:aws:cloudtrail:arn"] = self.trail_arn()
        return Request(
            principal,
            action,
            self.key_arn(key),
            ctx,
            ACCOUNT,
            None,
            f"S3 encrypts/decrypts the object with the {key} key",
        )

    def source_arn(self, source: str, account: str) -> str:
        acct = ACCOUNT if account == "this" else OTHER_ACCOUNT
        if source == "trail":
            return self.trail_arn()
        if source == "macie_export":
            return f"arn:{PARTITION}:macie2:{self.region}:{acct}:export-configuration:*"
        if source == "bedrock_logging":
            return f"arn:{PARTITION}:bedrock:{self.region}:{acct}:model-invocation-logging"
        if source == "training_job":
            return f"arn:{PARTITION}:sagemaker:{self.region}:{acct}:training-job/job-1"
        if source.startswith("bucket:"):
            return f"arn:{PARTITION}:s3:::{self.bucket_name(source.removeprefix('bucket:'))}"
        raise AssertionError(f"unknown source {source}")

    # -- evaluation ------------------------------------------------------------------------------------

    def evaluate(self, flow: Flow) -> Verdict:
        verdict = Verdict(flow, True)
        for req in self.requests(flow):
            ok, why = self.authorize(flow, req)
            verdict.requests.append((req, ok, why))
            if not ok:
                verdict.allowed = False
                break
        return verdict

    def authorize(self, flow: Flow, req: Request) -> tuple[bool, str]:
        rp = self.resource_policy(req, flow)
        endpoint_doc = self.endpoint_policy(req.endpoint) if req.endpoint else None
        if flow.principal.kind == "service":
            if rp is None:
                return False, "no resource policy grants the service principal anything"
            result = resource_policy_authorization(
                flow.principal.name,
                req.owner,
                rp.policy,
                req.action,
                req.resource,
                CaseInsensitiveDict(dict(req.context)),
            )
            ok = result is ResourcePolicyEvalResult.SERVICE_MATCH
            return ok, self._explain_layers([rp], req, None, allowed=ok, service=flow.principal.name)
        node = self.node(flow, req.principal)
        scp_groups = [[Policy(d.where, d.where, _norm(d.body)) for d in self.scp]] if self.scp else None
        # An SCP denies only; the allow-all FullAWSAccess policy is attached beside it.
        if scp_groups:
            scp_groups[0].append(Policy("FullAWSAccess", "FullAWSAccess", _OWN_POLICY))
        if flow.principal.kind == "other_account":
            scp_groups = None  # the SCP binds the principals of this account only
        ok = local_check_authorization_full(
            node,
            req.action,
            req.resource,
            dict(req.context),
            rp.policy if rp else None,
            req.owner if rp else None,
            scp_groups,
            None,
        )
        layers: list[Layer] = []
        for pol in node.attached_policies:
            layers.append(Layer("identity policy", pol.name, pol.policy_doc))
        if node.permissions_boundary is not None and isinstance(node.permissions_boundary, Policy):
            layers.append(
                Layer("permission boundary", node.permissions_boundary.name, node.permissions_boundary.policy_doc)
            )
        if scp_groups:
            layers.extend(Layer("SCP", p.name, p.policy_doc) for p in scp_groups[0] if p.name != "FullAWSAccess")
        if rp is not None:
            layers.append(rp)
        why = self._explain_layers(layers, req, node, allowed=ok)
        if ok and endpoint_doc is not None:
            ctx = self._context(node, req)
            ep_result = resource_policy_authorization(
                node, ACCOUNT, _norm(endpoint_doc.body), req.action, req.resource, ctx
            )
            if ep_result in (ResourcePolicyEvalResult.NO_MATCH, ResourcePolicyEvalResult.DENY_MATCH):
                return False, (
                    f"VPC endpoint policy ({endpoint_doc.where}): "
                    + (
                        "explicit deny"
                        if ep_result is ResourcePolicyEvalResult.DENY_MATCH
                        else "no statement allows it"
                    )
                )
            why += f"; VPC endpoint policy ({endpoint_doc.where}) allows it"
        elif (
            ok
            and req.endpoint is None
            and not req.note
            and flow.context.via_vpce
            and flow.principal.kind
            not in (
                "other_account",
                "service",
            )
        ):
            why += "; no endpoint policy applies (no endpoint for this service in the stack)"
        return ok, why

    def _context(self, node: Node, req: Request) -> CaseInsensitiveDict:
        ctx = _prepare_condition_context(copy.deepcopy(dict(req.context)))
        ctx.update(_infer_condition_keys(node, ctx))
        return ctx

    def _explain_layers(
        self, layers: list[Layer], req: Request, node: Node | None, *, allowed: bool, service: str | None = None
    ) -> str:
        ctx = self._context(node, req) if node is not None else CaseInsensitiveDict(dict(req.context))
        for layer in layers:
            for st in layer.policy["Statement"]:
                if st["Effect"] != "Deny":
                    continue
                if self._statement_matches(layer, st, req, ctx, node, service):
                    return f"explicit deny in the {layer.name} ({layer.where}), statement {st.get('Sid', '?')}"
        if allowed:
            grants = []
            for layer in layers:
                sids = [
                    st.get("Sid", "?")
                    for st in layer.policy["Statement"]
                    if st["Effect"] == "Allow" and self._statement_matches(layer, st, req, ctx, node, service)
                ]
                if sids:
                    grants.append(f"{layer.name} {'+'.join(sids)}")
            return "allowed by " + ", ".join(grants)

        def allows(layer: Layer) -> bool:
            return any(
                st["Effect"] == "Allow" and self._statement_matches(layer, st, req, ctx, node, service)
                for st in layer.policy["Statement"]
            )

        missing = []
        identity = [x for x in layers if x.name == "identity policy"]
        if identity and not any(allows(x) for x in identity):
            missing.append("any identity policy (" + ", ".join(x.where for x in identity) + ")")
        for layer in layers:
            if layer.name == "permission boundary" and not allows(layer):
                missing.append(f"the permission boundary ({layer.where})")
            # A resource policy must allow when it is a trust or key policy, or for another account's caller.
            needed = layer.name in ("trust policy", "key policy") or (
                layer.name == "bucket policy" and (req.owner != ACCOUNT or node is None or ACCOUNT not in node.arn)
            )
            if layer.name in ("trust policy", "key policy", "bucket policy") and needed and not allows(layer):
                missing.append(f"the {layer.name} ({layer.where})")
        if service is not None and not missing:
            missing = [f"the {x.name} ({x.where})" for x in layers]
        return "no statement allows it in " + "; ".join(missing) if missing else "denied (evaluator rule)"

    def _statement_matches(
        self,
        layer: Layer,
        st: dict[str, Any],
        req: Request,
        ctx: CaseInsensitiveDict,
        node: Node | None,
        service: str | None,
    ) -> bool:
        single = {"Version": "2012-10-17", "Statement": [st]}
        if "Principal" in st or "NotPrincipal" in st:
            from principalmapper.querying.local_policy_simulation import resource_policy_matching_statements

            who: Node | str = node if node is not None else (service or req.principal)
            return bool(resource_policy_matching_statements(who, single, req.action, req.resource, ctx))
        return bool(policy_has_matching_statement(single, st["Effect"], req.action, req.resource, ctx))


def flows_for(plan: Plan) -> tuple[Flow, ...]:
    from wizard.access import access_flows

    return access_flows(plan)


__all__ = ["PROFILE_DESTINATIONS", "Proof", "Request", "Verdict", "flows_for", "is_inference_profile"]
