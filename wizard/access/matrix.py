"""``access_flows(plan)``: the access matrix of a stack, composed from one builder per concern."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wizard.access.bedrock import bedrock_flows
from wizard.access.deliveries import (
    bucket_delivery_flows,
    cloudtrail_flows,
    invocation_logging_flows,
    replication_flows,
)
from wizard.access.facts import StackFacts, stack_facts
from wizard.access.flow import Flow
from wizard.access.intake import admin_flows, data_engineer_flows
from wizard.access.keys import unnamed_key_user_denials
from wizard.access.perimeter import foreign_resource_denials, outside_endpoint_denials
from wizard.access.sagemaker import (
    inference_flows,
    notebook_creation_flows,
    notebook_training_preparation_flows,
    notebook_use_flows,
    training_job_creation_flows,
    training_job_data_flows,
    training_job_denials,
    training_job_log_and_network_flows,
    training_role_trust_flows,
)
from wizard.plan import Plan

# The builders in the order their flows appear (the README tables and the test ids keep this order). Each builder
# yields nothing when its part of the stack is not planned.
BUILDERS: tuple[Callable[[StackFacts], Iterable[Flow]], ...] = (
    # data into the stack
    data_engineer_flows,
    admin_flows,
    # the perimeter (confidential and restricted data), and the keys' own say
    outside_endpoint_denials,
    foreign_resource_denials,
    unnamed_key_user_denials,
    # SageMaker
    notebook_use_flows,
    notebook_training_preparation_flows,
    training_job_creation_flows,
    notebook_creation_flows,
    training_job_data_flows,
    training_job_log_and_network_flows,
    training_job_denials,
    training_role_trust_flows,
    inference_flows,
    # Bedrock
    bedrock_flows,
    # service deliveries
    cloudtrail_flows,
    invocation_logging_flows,
    bucket_delivery_flows,
    replication_flows,
)


def access_flows(plan: Plan) -> tuple[Flow, ...]:
    """Every flow the stack must allow and every flow it must deny, from the plan's public data."""
    stack = stack_facts(plan)
    flows = tuple(flow for build in BUILDERS for flow in build(stack))
    ids = [f.id for f in flows]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate flow ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return flows
