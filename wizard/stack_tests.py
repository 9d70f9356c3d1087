"""What the stack's own `terraform test` file asserts and mocks, read off the plan for its template.

The plan decides every control; `tests/guardform.tftest.hcl` checks them with mock providers. The test
needs some values the plan does not hold because they only exist in a test: a fixed mock ARN for each
key (the mock provider invents none that match), and the plan's names in the order Terraform lists a
map's keys (lexical). This module computes them, so the template only writes (see
tests/test_templates_logic_free.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.plan import BucketPlan, KeyPlan, Plan

#: The account id of the mock provider's caller identity in every stack test.
TEST_ACCOUNT = "111122223333"


@dataclass(frozen=True, kw_only=True)
class StackTestFacts:
    replica: bool  # the stack has a replica region (a second provider, aws.replica)
    replica_region: str  # the replica region, or the stack's region when there is none
    new_network: bool  # the stack creates its VPC (network.mode == new)
    key_arns: dict[str, str]  # KeyPlan.name -> the mock ARN the test gives that key
    purposes: tuple[str, ...]  # every key purpose, in lexical order (keys(output.kms_key_arns))
    bucket_names: tuple[str, ...]  # lexical (keys(output.bucket_names))
    role_names: tuple[str, ...]  # lexical (keys(output.role_arns))
    primary_keys: tuple[KeyPlan, ...]  # keys in the stack's region (not the replica's)
    primary_buckets: tuple[BucketPlan, ...]  # buckets in the stack's region
    account: str = TEST_ACCOUNT  # the mock caller identity's account

    def key_arn(self, name: str) -> str:
        return self.key_arns[name]


def stack_test_facts(plan: Plan) -> StackTestFacts:
    replica_region = plan.replication.region if plan.replication else plan.region
    key_arns = {
        key.name: (
            f"arn:aws:kms:{replica_region if key.provider == 'aws.replica' else plan.region}:{TEST_ACCOUNT}:"
            f"key/{index:08x}-0000-4000-8000-000000000000"
        )
        for index, key in enumerate(plan.keys, start=1)
    }
    return StackTestFacts(
        replica=plan.replication is not None,
        replica_region=replica_region,
        new_network=plan.network.new,
        key_arns=key_arns,
        purposes=tuple(sorted(p for key in plan.keys for p in key.purposes)),
        bucket_names=tuple(sorted(b.name for b in plan.buckets)),
        role_names=tuple(sorted(r.name for r in plan.iam.roles)),
        primary_keys=tuple(k for k in plan.keys if k.provider == "aws"),
        primary_buckets=tuple(b for b in plan.buckets if b.provider == "aws"),
    )
