"""Policy documents as plan data: statements of plain strings, tuples and symbolic references.

Every IAM identity policy, trust policy, permission boundary, SCP, key policy, bucket policy, endpoint
policy and topic policy of a stack is a :class:`PolicyDocument` in the Plan. A value the stack only
knows once Terraform runs (a bucket's ARN, the account id, a key's ARN) is a :class:`Ref`: which module
owns it, the Terraform resource type and name, and the attribute. The renderer
(:mod:`wizard.policyhcl`) turns a Ref into the HCL expression that reaches it from the module the
document is written in; an evaluator can substitute its own values for them.

Value grammar (``Value``): a ``str`` is one literal (an action, an ARN, a condition value) and a
``tuple`` a JSON list of values; IAM reads ``"a"`` and ``["a"]`` alike, the renderer writes each as
given. ``Interp`` is one string with references inside (``"${aws_s3_bucket.x.arn}/*"``), ``Local`` a
value the module also names as a local (so that checkov sees each bare reference once), and
``FormatList`` a pattern applied to each element of a list (``formatlist("...subnet/%s", ids)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

from wizard.errors import GuardformError

Effect = Literal["Allow", "Deny"]
PolicyKind = Literal[
    "identity",  # an inline policy of a role (aws_iam_role_policy)
    "managed",  # a customer managed policy (aws_iam_policy): the job guardrails
    "boundary",  # a permission boundary (also a managed policy)
    "trust",  # a role's assume_role_policy
    "scp",  # a service control policy document
    "key",  # a KMS key policy
    "bucket",  # an S3 bucket policy
    "endpoint",  # a VPC endpoint policy
    "topic",  # an SNS topic policy
]


class PlanError(GuardformError):
    """The answers ask for something AWS would refuse (a policy over its size limit, say).

    ``source`` is the answers file the answers came from, when known (the plan itself only sees answers):
    the message then starts with it, as an answers error's does (``FILE: ...``)."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)

    def naming(self, source: str) -> PlanError:
        """The same error, naming the answers file ``source``."""
        return PlanError(self.message, source=source)


@dataclass(frozen=True, kw_only=True)
class Ref:
    """A value of the stack only Terraform knows.

    ``module`` is the module that owns it ("" for facts of the account: ``account_id``, ``partition``,
    ``region``, ``replica_region``), ``type`` the Terraform resource type without ``aws_``
    (``s3_bucket``, ``kms_key``, ...), ``name`` the resource name (for keys: the purpose, the key of
    the modules' ``kms_key_arns`` map) and ``attr`` the attribute (``arn``, ``id``, ...).
    """

    module: str
    type: str
    name: str
    attr: str


@dataclass(frozen=True, kw_only=True)
class Interp:
    """One string made of literal text and references: ``"arn:${local.partition}:s3:::x"``."""

    parts: tuple[str | Ref, ...]


@dataclass(frozen=True, kw_only=True)
class Local:
    """A value the module also defines as ``local.<name>``; the document refers to it by that name."""

    name: str
    value: Value


@dataclass(frozen=True, kw_only=True)
class FormatList:
    """``pattern`` (with one ``%s``) applied to every element of ``values``."""

    pattern: Interp
    values: Value


Value: TypeAlias = str | float | Ref | Interp | Local | FormatList | tuple["Value", ...]

# Facts of the account and region a stack is applied in (every module defines these locals).
ACCOUNT_ID = Ref(module="", type="caller_identity", name="current", attr="account_id")
PARTITION = Ref(module="", type="partition", name="current", attr="partition")
REGION = Ref(module="", type="region", name="current", attr="region")
REPLICA_REGION = Ref(module="", type="region", name="replica", attr="replica_region")
TRAIL_ARN = Ref(module="monitoring", type="cloudtrail", name="this", attr="arn")


def interp(*parts: str | Ref) -> Interp:
    """An interpolated string; adjacent literals are joined."""
    merged: list[str | Ref] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return Interp(parts=tuple(merged))


def arn(
    service: str,
    resource: str,
    *,
    region: str | Ref = REGION,
    account: str | Ref = ACCOUNT_ID,
    suffix: tuple[str | Ref, ...] = (),
) -> Interp:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` (region/account may be "" or "*")."""
    return interp("arn:", PARTITION, f":{service}:", region, ":", account, f":{resource}", *suffix)


def bucket_arn(name: str) -> Ref:
    return Ref(module="s3", type="s3_bucket", name=name, attr="arn")


def bucket_objects(name: str, prefix: str = "") -> Interp:
    return interp(bucket_arn(name), f"/{prefix}*")


def key_arn(purpose: str) -> Ref:
    """A customer managed key by purpose (the key of ``var.kms_key_arns`` in the modules)."""
    return Ref(module="kms", type="kms_key", name=purpose, attr="arn")


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who a resource policy speaks to: ``type`` AWS or Service with ``ids``, or ``*`` (anyone)."""

    type: Literal["AWS", "Service", "*"]
    ids: Value = "*"


ANYONE = Principal(type="*")
ANY_AWS = Principal(type="AWS", ids="*")


def service(*names: str | Interp) -> Principal:
    """A service principal; several are written as a list."""
    return Principal(type="Service", ids=names[0] if len(names) == 1 else tuple(names))


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One condition: ``operator`` (StringEquals, ArnLike, ...), the context ``key`` and its value(s)."""

    operator: str
    key: str
    value: Value


def when(operator: str, key: str, value: Value) -> Condition:
    return Condition(operator=operator, key=key, value=value)


@dataclass(frozen=True, kw_only=True)
class Layout:
    """How a statement is written; no effect on what it allows.

    ``comment_at``: the comment goes above the statement, inside it above the Sid, or above Resource.
    ``multiline``: the attributes ("Action", "Resource") and condition keys whose lists are written
    one element a line. ``inline_conditions``: each condition operator on one line.
    """

    comment_at: Literal["above", "inside", "resource"] = "above"
    multiline: tuple[str, ...] = ()
    inline_conditions: bool = False


@dataclass(frozen=True, kw_only=True)
class Statement:
    """One policy statement. Exactly one of actions / not_actions is set."""

    sid: str
    effect: Effect
    principal: Principal | None = None
    actions: Value | None = None
    not_actions: Value | None = None
    resources: Value | None = None
    not_resources: Value | None = None
    conditions: tuple[Condition, ...] = ()
    comment: str = ""  # why: written as "# ..." lines with the statement
    layout: Layout = field(default_factory=Layout)

    def __post_init__(self) -> None:
        if (self.actions is None) == (self.not_actions is None):
            raise ValueError(f"statement {self.sid}: exactly one of actions and not_actions")


@dataclass(frozen=True, kw_only=True)
class PolicyDocument:
    """A policy document: its kind (which AWS size limit applies) and its statements in order."""

    kind: PolicyKind
    statements: tuple[Statement, ...]
    version: str = "2012-10-17"
    last_comma: bool = True  # layout: a comma after the last statement

    def sids(self) -> tuple[str, ...]:
        return tuple(s.sid for s in self.statements)

    def statement(self, sid: str) -> Statement:
        for s in self.statements:
            if s.sid == sid:
                return s
        raise KeyError(sid)


# --------------------------------------------------------------------------------------------------
# Size limits AWS enforces on documents, checked at plan time
# --------------------------------------------------------------------------------------------------

# Characters without white space (IAM counts a managed policy's and an SCP's that way; key and bucket
# policies are counted in bytes, which the compact JSON used here equals for these ASCII documents).
LIMITS: dict[str, int] = {
    "managed": 6_144,
    "boundary": 6_144,
    "scp": 5_120,
    "key": 32_768,
    "bucket": 20_480,
}
INLINE_ROLE_LIMIT = 10_240  # all inline policies of one role together


class Resolver(Protocol):
    """Turns references into the values AWS sees (SizeEnv for size checks; an evaluator brings its own)."""

    def resolve(self, ref: Ref) -> str: ...

    def expand(self, values: FormatList) -> list[str]: ...


@dataclass(frozen=True, kw_only=True)
class SizeEnv:
    """What the plan knows of the values references resolve to, for size checks.

    The region and the bucket prefixes are answers; the account id always has 12 digits; the rest
    (key ids, role names) is taken at its longest, so a check never passes a document AWS would refuse.
    """

    region: str
    replica_region: str | None = None
    bucket_prefixes: tuple[tuple[str, str], ...] = ()  # (bucket name, bucket_prefix)
    subnets: int = 3

    @property
    def partition(self) -> str:
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    def resolve(self, ref: Ref) -> str:
        p, r, acct = self.partition, self.region, "123456789012"
        facts = {
            "account_id": acct,
            "partition": p,
            "region": r,
            "replica_region": self.replica_region or r,
            "deployer_arn": f"arn:{p}:iam::{acct}:role/{'x' * 64}",  # the role running Terraform
        }
        if ref.module == "":
            return facts[ref.attr]
        if ref.type == "s3_bucket":
            prefix = dict(self.bucket_prefixes).get(ref.name, "x" * 37)
            return f"arn:{p}:s3:::{prefix}{'x' * 26}"
        longest = {
            "kms_key": f"arn:{p}:kms:{r}:{acct}:key/{'x' * 36}",
            "bedrock_guardrail": f"arn:{p}:bedrock:{r}:{acct}:guardrail/{'x' * 12}",
            "bedrock_guardrail_version": "x" * 8,
            "vpc_endpoint": "vpce-" + "x" * 17,
            "subnet": "subnet-" + "x" * 17,
            "security_group": "sg-" + "x" * 17,
            "iam_role": f"arn:{p}:iam::{acct}:role/{'x' * 64}",
            # The stack's own policies are named <name_prefix (<= 40)>-<purpose>: 64 characters at most.
            "iam_policy": f"arn:{p}:iam::{acct}:policy/{'x' * 64}",
        }
        return longest.get(ref.type, "x" * 160)

    def expand(self, values: FormatList) -> list[str]:
        pattern = str(_resolved(values.pattern, self))
        return [pattern.replace("%s", "subnet-" + "x" * 17)] * self.subnets


def _resolved(value: Value | None, env: Resolver) -> object:
    """The value as AWS will receive it, references resolved by ``env``."""
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, Ref):
        return env.resolve(value)
    if isinstance(value, Interp):
        return "".join(p if isinstance(p, str) else env.resolve(p) for p in value.parts)
    if isinstance(value, Local):
        return _resolved(value.value, env)
    if isinstance(value, FormatList):
        return env.expand(value)
    return [_resolved(v, env) for v in value]


def as_json(doc: PolicyDocument, env: Resolver) -> dict[str, object]:
    """The document as AWS receives it, references resolved by ``env`` (size checks, evaluators, tests)."""
    out: list[dict[str, object]] = []
    for s in doc.statements:
        item: dict[str, object] = {"Sid": s.sid, "Effect": s.effect}
        if s.principal is not None:
            item["Principal"] = "*" if s.principal.type == "*" else {s.principal.type: _resolved(s.principal.ids, env)}
        for name, value in (
            ("Action", s.actions),
            ("NotAction", s.not_actions),
            ("Resource", s.resources),
            ("NotResource", s.not_resources),
        ):
            if value is not None:
                item[name] = _resolved(value, env)
        if s.conditions:
            cond: dict[str, dict[str, object]] = {}
            for c in s.conditions:
                cond.setdefault(c.operator, {})[c.key] = _resolved(c.value, env)
            item["Condition"] = cond
        out.append(item)
    return {"Version": doc.version, "Statement": out}


def size(doc: PolicyDocument, env: SizeEnv) -> int:
    """Characters of the document without white space, as AWS counts them."""
    return len(json.dumps(as_json(doc, env), separators=(",", ":")))


def check_size(doc: PolicyDocument, env: SizeEnv, *, what: str, because: str) -> None:
    """Raise PlanError when ``doc`` would exceed the limit AWS sets for its kind."""
    limit = LIMITS.get(doc.kind)
    if limit is None:
        return
    used = size(doc, env)
    if used > limit:
        raise PlanError(
            f"{what} would be {used:,} characters, over the {limit:,}-character limit AWS sets for a "
            f"{_KIND_NAMES[doc.kind]}; it grows with {because}"
        )


def check_inline_total(docs: tuple[PolicyDocument, ...], env: SizeEnv, *, what: str, because: str) -> None:
    """Raise PlanError when a role's inline policies together exceed what AWS allows per role."""
    used = sum(size(d, env) for d in docs)
    if used > INLINE_ROLE_LIMIT:
        raise PlanError(
            f"the inline policies of {what} would be {used:,} characters together, over the "
            f"{INLINE_ROLE_LIMIT:,} AWS allows per role; they grow with {because}"
        )


_KIND_NAMES = {
    "managed": "managed policy",
    "boundary": "managed policy (permission boundary)",
    "scp": "service control policy",
    "key": "key policy",
    "bucket": "bucket policy",
}
