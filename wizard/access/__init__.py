"""The access matrix: who must be able to do what in a stack, and who must not (issue 13).

``access_flows(plan)`` is a pure function from the Plan's public data to the flows a stack must allow and the
flows it must deny. A flow names its principal, action, resource and request context symbolically (plan names
of roles, buckets and keys, not ARNs), so it can be read in a README table and proven against the generated
Terraform by a test that resolves the names to the ARNs of a rendered stack.

Every flow is one request as AWS authorizes it. A few requests imply another one, which a proof must also
authorize: an S3 object read or write on an SSE-KMS bucket is also a ``kms:Decrypt`` or ``kms:GenerateDataKey``
by the same principal through S3 with the key the bucket uses (or the key the request names), and an
invocation through a cross-region inference profile is also a model call in each of the profile's destination
regions. The flows say which key and which profile; the proof derives the implied requests.

``access_flows`` only composes the builders, one per concern, each a pure function from the
:class:`~wizard.access.facts.StackFacts` (the plan and the facts of it several builders share) to its flows:

- ``flow``        the vocabulary: Flow, Principal, Resource, Context, JobSettings
- ``facts``       StackFacts: the tier, the data-class keys, a region outside the allowed ones, the data engineer
- ``intake``      data into the stack: the data engineer's uploads, an admin's reads
- ``perimeter``   what stays behind the VPC endpoints, and what the endpoints do not reach
- ``keys``        who the key policies let use the keys
- ``sagemaker``   the notebook and the jobs it launches, the ML engineer's notebooks, training and inference roles
- ``bedrock``     each invoking role: models and profiles, guardrail, regions, Lambda network interfaces, trust
- ``deliveries``  what services deliver into the stack: trails, invocation logs, Macie results, access logs, replicas
- ``matrix``      ``access_flows``: the builders in the order their flows appear
- ``table``       the flows in words (the README's "Who can do what", ``guardform explain --access``)
"""

from __future__ import annotations

from wizard.access.bedrock import is_inference_profile
from wizard.access.flow import (
    Context,
    Expect,
    Flow,
    JobSettings,
    Principal,
    PrincipalKind,
    Resource,
    ResourceKind,
)
from wizard.access.matrix import access_flows
from wizard.access.table import AccessRow, access_rows, format_access_rows, format_access_table

__all__ = [
    "AccessRow",
    "Context",
    "Expect",
    "Flow",
    "JobSettings",
    "Principal",
    "PrincipalKind",
    "Resource",
    "ResourceKind",
    "access_flows",
    "access_rows",
    "format_access_rows",
    "format_access_table",
    "is_inference_profile",
]
