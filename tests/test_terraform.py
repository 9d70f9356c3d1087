"""Real Terraform over generated stacks: init from the local provider mirror, then the stack's own tests.

Every example and a covering subset of the answer-space matrix (tests/test_generated.py) are rendered,
initialised against the filesystem mirror with one shared plugin cache, and their shipped
``tests/guardform.tftest.hcl`` run with ``terraform test`` (mock providers: no AWS account). Stacks run two at
a time. Run just these with ``pytest -m terraform``.

How each stack is validated: by ``terraform test`` itself. Terraform 1.11 validates the configuration a run
block uses before it plans or applies it, and the first run, ``stack_plans``, plans the whole stack (every module,
every resource): a wrong attribute fails that run with validate's own diagnostic (file, line, resource) and every
later run is skipped. A separate ``terraform validate`` per stack proved nothing more and cost a third of each
stack's CPU (it starts the 675 MB provider 8 times, once per configuration: the stack and each module its test
file runs; about 7-9 s), so it runs once, on a broken copy (test_a_wrong_attribute_fails_validate_naming_the_resource),
and test_a_wrong_attribute_fails_terraform_test proves on the same copy that ``terraform test`` alone catches it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.terraform_helpers import (
    EXAMPLES,
    ROOT,
    Result,
    Terraform,
    build,
    find_terraform,
    init,
    load,
    run,
    shared_provider,
    write_files,
)
from tests.test_generated import MATRIX
from wizard.answers import Answers, validate_answers
from wizard.plan import plan
from wizard.render import render

pytestmark = pytest.mark.terraform

WORKERS = 2


def _features(answers: Answers) -> set[tuple[str, str]]:
    """What a stack exercises, for choosing a small covering subset of the matrix."""
    sens = answers.data.sensitivity.value
    net = answers.network.mode.value
    regions = "two-regions" if len(answers.project.allowed_regions) > 1 else "one-region"
    out = {("sensitivity", sens), ("network", net), ("regions", regions), ("net-regions", f"{net}/{regions}")}
    for kind in answers.workload.kinds:
        out |= {
            ("kind", kind.value),
            ("kind-net", f"{kind.value}/{net}"),
            ("kind-regions", f"{kind.value}/{regions}"),
            ("kind-sensitivity", f"{kind.value}/{sens}"),
        }
    out |= {("sensitivity-net", f"{sens}/{net}"), ("sensitivity-regions", f"{sens}/{regions}")}
    return out


def covering_subset(minimum: int = 12) -> list[tuple[str, dict[str, object]]]:
    """A greedy pick from the matrix that covers every feature (and pair above) at least once."""
    features = {case_id: _features(validate_answers(data)) for case_id, data in MATRIX}
    uncovered = set().union(*features.values())
    chosen: list[str] = []
    while uncovered or len(chosen) < minimum:
        best = max((c for c in features if c not in chosen), key=lambda c: (len(features[c] & uncovered), c))
        chosen.append(best)
        uncovered -= features[best]
    data = dict(MATRIX)
    return [(c, data[c]) for c in sorted(chosen)]


SUBSET = covering_subset()


@dataclass
class StackRun:
    name: str
    path: Path
    steps: list[Result] = field(default_factory=list)
    shared_provider: bool = False

    @property
    def failed(self) -> Result | None:
        return next((r for r in self.steps if not r.ok), None)

    def timing(self) -> str:
        provider = " (shared provider)" if self.shared_provider else ""
        return ", ".join(f"{r.args[0]} {r.seconds:.1f}s" for r in self.steps) + provider


def stack_files() -> dict[str, dict[str, str]]:
    stacks: dict[str, dict[str, str]] = {}
    for example in EXAMPLES:
        stacks[f"example-{example.stem}"] = build(load(example))[1]
    for case_id, data in SUBSET:
        stacks[f"matrix-{case_id}"] = render(plan(validate_answers(data)))
    return stacks


def _prove(tf: Terraform, stack: StackRun, env: dict[str, str] | None) -> StackRun:
    """init, then the stack's own tests (which validate it first: see the module docstring); ``env`` is the
    shared provider's, or None for Terraform to start its own."""
    stack.shared_provider = env is not None
    stack.steps.append(init(tf, stack.path))
    if stack.steps[-1].ok:
        stack.steps.append(run(tf, stack.path, "test", env=env))
    return stack


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    return find_terraform(tmp_path_factory.mktemp("terraform"))


@pytest.fixture(scope="session")
def attached(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of ``terraform test`` runs that attach to one shared provider process
    (terraform_helpers.shared_provider), installed by ``terraform init`` like every stack's."""
    root = tmp_path_factory.mktemp("shared-provider")
    # the provider requirement exactly as the stacks write it (the first example's versions.tf)
    (root / "versions.tf").write_text(build(load(EXAMPLES[0]))[1]["versions.tf"])
    installed = init(terraform, root)
    assert installed.ok, f"terraform init failed:\n{installed.output}"
    with shared_provider(terraform, root, root / "provider.log") as env:
        yield env


@pytest.fixture(scope="session")
def proven(
    terraform: Terraform, attached: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, StackRun]:
    """Every stack initialised and tested, two at a time (inits take turns on the plugin cache:
    terraform_helpers.init). The first stack's ``terraform test`` starts its providers as a user's does; the
    others attach to the shared provider, which cuts their CPU by about two thirds and proves the same: the
    same provider binary answers the same schema and validation calls (test_a_wrong_attribute_fails_terraform_test
    runs both ways)."""
    root = tmp_path_factory.mktemp("stacks")
    runs = [StackRun(name, write_files(files, root / name)) for name, files in stack_files().items()]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(lambda s: _prove(terraform, s, None if s is runs[0] else attached), runs))
    for s in runs:
        print(f"{s.name}: {s.timing()}", file=sys.stderr)
    return {s.name: s for s in runs}


STACK_NAMES = [f"example-{e.stem}" for e in EXAMPLES] + [f"matrix-{c}" for c, _ in SUBSET]


def test_the_subset_covers_the_matrix() -> None:
    """At least 12 stacks: every workload kind, existing and new network, one and two regions."""
    assert len(SUBSET) >= 12
    answers = [validate_answers(d) for _, d in SUBSET]
    assert {k.value for a in answers for k in a.workload.kinds} == {
        "sagemaker_training",
        "sagemaker_inference",
        "sagemaker_notebook",
        "bedrock",
    }
    assert {a.network.mode.value for a in answers} == {"new", "existing"}
    assert {len(a.project.allowed_regions) > 1 for a in answers} == {True, False}
    assert {a.data.sensitivity.value for a in answers} == {"public", "internal", "confidential", "restricted"}


@pytest.mark.parametrize("name", STACK_NAMES)
def test_stack_inits_and_its_own_tests_pass(proven: dict[str, StackRun], name: str) -> None:
    stack = proven[name]
    failed = stack.failed
    if failed is not None:
        pytest.fail(
            f"{name}: terraform {' '.join(failed.args)} failed in {stack.path}:\n{failed.output}", pytrace=False
        )
    test_output = stack.steps[-1].output
    assert re.search(r"Success! \d+ passed, 0 failed\.", test_output), f"{name}: {test_output}"
    assert "... skip" not in test_output, f"{name}: a run was skipped:\n{test_output}"
    # The shipped tests plan and apply the whole stack, and apply its modules one by one (kms and s3 only in
    # single-region stacks: see the note in the test file).
    runs = ["stack_plans", "stack_applies", "network", "iam", "monitoring"]
    if 'provider "aws" {\n  alias' not in stack.path.joinpath("providers.tf").read_text():
        runs += ["kms", "s3"]
    for module in runs:
        assert f'run "{module}"... pass' in test_output, f"{name}: run {module} did not pass:\n{test_output}"


def test_the_stacks_require_the_proven_provider_range(terraform: Terraform) -> None:
    """Every versions.tf says the range the tests prove, and the mirror's provider falls in it."""
    for example in EXAMPLES:
        files = build(load(example))[1]
        for rel, text in files.items():
            if rel.endswith("versions.tf"):
                assert re.search(r'\bversion\s+= ">= 5\.100, < 7\.0"', text), f"{example.stem}/{rel}"
    major, minor = (int(x) for x in terraform.provider_version.split(".")[:2])
    assert (5, 100) <= (major, minor) < (7, 0), terraform.provider_version


# ---- a broken stack is caught, and the message names the stack and the resource ---------------------------


@pytest.fixture
def broken_copy(terraform: Terraform, tmp_path: Path) -> Iterator[Path]:
    example = next(e for e in EXAMPLES if e.stem == "confidential-fraud")
    stack = write_files(build(load(example))[1], tmp_path / "fraud-scoring")
    assert init(terraform, stack).ok
    yield stack


def test_a_broken_invariant_fails_the_shipped_tests(terraform: Terraform, broken_copy: Path) -> None:
    main = broken_copy / "modules" / "monitoring" / "main.tf"
    text = main.read_text()
    days = re.search(r'(?s)resource "aws_cloudwatch_log_group" "trail" \{.*?retention_in_days\s+= (\d+)', text)
    assert days is not None
    main.write_text(text.replace(f"retention_in_days = {days.group(1)}", "retention_in_days = 30", 1))
    result = run(terraform, broken_copy, "test")
    assert not result.ok
    assert 'run "monitoring"... fail' in result.output
    # Terraform wraps long messages; the words are what matter.
    assert f"aws_cloudwatch_log_group.trail: must be encrypted with the logs key, keep {days.group(1)} days" in (
        " ".join(result.output.split())
    )


def _add_a_wrong_attribute(stack: Path) -> None:
    main = stack / "modules" / "network" / "main.tf"
    text = main.read_text()
    assert "private_dns_enabled = true" in text
    main.write_text(text.replace("private_dns_enabled = true", "private_dns_enabled = true\n  private_dns_only = 1", 1))


def test_a_wrong_attribute_fails_validate_naming_the_resource(terraform: Terraform, broken_copy: Path) -> None:
    _add_a_wrong_attribute(broken_copy)
    result = run(terraform, broken_copy, "validate")
    assert not result.ok
    assert "Unsupported argument" in result.output and 'resource "aws_vpc_endpoint"' in result.output, result.output


@pytest.mark.parametrize("provider", ["started by terraform", "shared"])
def test_a_wrong_attribute_fails_terraform_test(
    terraform: Terraform, attached: dict[str, str], broken_copy: Path, provider: str
) -> None:
    """What lets the stacks above skip `terraform validate`: their own tests fail on the same broken copy, at the
    first run, with validate's message naming the file and the resource, and run nothing after it; and so they
    do on the shared provider the stacks attach to."""
    _add_a_wrong_attribute(broken_copy)
    result = run(terraform, broken_copy, "test", env=attached if provider == "shared" else None)
    assert not result.ok
    out = result.output
    assert 'run "stack_plans"... fail' in out and 'run "stack_applies"... skip' in out, out
    assert "Unsupported argument" in out, out
    assert re.search(r'on modules/network/main\.tf line \d+, in resource "aws_vpc_endpoint"', out), out
    assert re.search(r"Failure! 0 passed, 1 failed, \d+ skipped\.", out), out


# ---- the provider 6.25 schema (offline), from the shared validators when they are present ----------------


def _schema_tool() -> Path | None:
    override = os.environ.get("GUARDFORM_TF_TOOLS")
    for base in (
        [Path(override)] if override else [ROOT.parent / "shared" / "tools", ROOT.parent.parent / "shared" / "tools"]
    ):
        if (base / "tf_schema_check.py").is_file():
            return base / "tf_schema_check.py"
    return None


def test_examples_match_the_provider_6_25_schema(tmp_path: Path) -> None:
    tool = _schema_tool()
    if tool is None:
        pytest.skip("tf_schema_check.py not found (set GUARDFORM_TF_TOOLS to the shared tools folder)")
    for example in EXAMPLES:
        stack = write_files(build(load(example))[1], tmp_path / example.stem)
        dirs = [stack, *sorted(p for p in (stack / "modules").iterdir() if p.is_dir())]
        proc = subprocess.run(
            [sys.executable, str(tool), *map(str, dirs)], capture_output=True, text=True, check=False, timeout=300
        )
        assert proc.returncode == 0 and " 0 errors" in proc.stdout, f"{example.stem}:\n{proc.stdout}{proc.stderr}"
        shutil.rmtree(stack)
