"""Generated code over the answer space: parses, and checkov (with guardform's checks) finds nothing.

The matrix is every sensitivity × every workload kind, plus a pairwise covering of the other answers.
All stacks are scanned in one checkov run (checkov's start-up dominates a single small scan).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.hcl_helpers import parse_tf
from wizard.answers import AnswersError, validate_answers
from wizard.plan import plan
from wizard.render import render

SENSITIVITIES = ["public", "internal", "confidential", "restricted"]
KINDS = ["sagemaker_training", "sagemaker_inference", "sagemaker_notebook", "bedrock"]
MODELS = ["anthropic.claude-3-haiku-20240307-v1:0"]
# An inference profile only where the allowed regions hold every region it routes to (the plan refuses it otherwise).
EU_PROFILE = ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0", {"eu-central-1", "eu-west-1", "eu-west-3"})

# The other answers, each with the values worth covering in pairs.
FACTORS: dict[str, list[Any]] = {
    "environment": ["dev", "staging", "prod"],
    "kinds": [
        ["sagemaker_training", "sagemaker_inference"],
        ["bedrock", "sagemaker_notebook"],
        ["sagemaker_training", "sagemaker_notebook", "bedrock"],
        ["sagemaker_inference", "bedrock"],
    ],
    "categories": [[], ["pii"], ["phi"], ["financial", "credentials"]],
    "compliance": [[], ["hipaa"], ["gdpr", "soc2"]],
    "regions": [["eu-west-1"], ["eu-west-1", "eu-central-1", "eu-west-3"]],
    "network": ["new2", "new3", "existing"],
    "keys": ["per_purpose", "single"],
    "callers": [["lambda"], ["ecs_tasks", "ec2"]],
    "alert_email": [None, "alerts@example.com"],
    "admins": [[], ["arn:aws:iam::111122223333:role/BreakGlass"]],
}


def pairwise(factors: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """A greedy covering array: every pair of values of every two factors appears in some row."""
    names = list(factors)
    uncovered = {
        (a, i, b, j)
        for a, b in itertools.combinations(range(len(names)), 2)
        for i in range(len(factors[names[a]]))
        for j in range(len(factors[names[b]]))
    }
    rows: list[tuple[int, ...]] = []
    while uncovered:
        best: tuple[int, ...] | None = None
        best_score = -1
        # Seed each candidate with one uncovered pair, fill the rest greedily.
        for a, i, b, j in sorted(uncovered)[:40]:
            row = [-1] * len(names)
            row[a], row[b] = i, j
            for k in range(len(names)):
                if row[k] != -1:
                    continue

                # Called at once, inside this iteration: row and uncovered are bound explicitly anyway.
                def pairs_covered(
                    v: int, k: int = k, row: list[int] = row, uncovered: set[tuple[int, int, int, int]] = uncovered
                ) -> int:
                    return sum(
                        1
                        for m in range(len(names))
                        if row[m] != -1
                        and m != k
                        and (min(m, k), row[m] if m < k else v, max(m, k), v if m < k else row[m]) in uncovered
                    )

                row[k] = max(range(len(factors[names[k]])), key=pairs_covered)
            score = sum(
                1 for x, y in itertools.combinations(range(len(names)), 2) if (x, row[x], y, row[y]) in uncovered
            )
            if score > best_score:
                best, best_score = tuple(row), score
        assert best is not None
        rows.append(best)
        uncovered -= {(x, best[x], y, best[y]) for x, y in itertools.combinations(range(len(names)), 2)}
    return [{names[k]: factors[names[k]][v] for k, v in enumerate(row)} for row in rows]


def _models(regions: list[str]) -> list[str]:
    profile, destinations = EU_PROFILE
    return MODELS + ([profile] if destinations <= set(regions) else [])


def _answers_data(name: str, sensitivity: str, combo: dict[str, Any]) -> dict[str, Any]:
    kinds = combo["kinds"]
    network: dict[str, Any] = {"mode": "new", "availability_zones": 2}
    if combo["network"] == "new3":
        network = {"mode": "new", "availability_zones": 3, "cidr": "172.20.0.0/20"}
    elif combo["network"] == "existing":
        network = {
            "mode": "existing",
            "vpc_id": "vpc-0123456789abcdef0",
            "private_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            "route_table_ids": ["rtb-0123456789abcdef0"],
        }
    data: dict[str, Any] = {
        "project": {
            "name": name,
            "environment": combo["environment"],
            "region": combo["regions"][0],
            "allowed_regions": combo["regions"],
            # Every symbol AWS allows in a tag value, and letters of another script.
            "owner": "AI Team_ops.x:y/z=1+2-3@example.com Équipe",
        },
        "workload": {
            "kinds": kinds,
            "bedrock_models": _models(combo["regions"]) if "bedrock" in kinds else [],
            "bedrock_callers": combo["callers"],
        },
        "data": {"sensitivity": sensitivity, "categories": combo["categories"], "compliance": combo["compliance"]},
        "network": network,
        "keys": {"strategy": combo["keys"], "rotation_days": 180},
        "access": {"admin_role_arns": combo["admins"]},
        "monitoring": {"alert_email": combo["alert_email"]},
    }
    return data


def matrix() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    base = pairwise(FACTORS)[0]
    for sensitivity, kind in itertools.product(SENSITIVITIES, KINDS):
        combo = dict(base, kinds=[kind])
        cases.append(
            (
                f"{sensitivity[:4]}-{kind.replace('sagemaker_', 'sm-')}".replace("_", "-"),
                _answers_data("m-" + f"{sensitivity[:4]}-{kind[-5:]}".replace("_", "-"), sensitivity, combo),
            )
        )
    # Each row of the covering array twice, at two sensitivities two tiers apart, so every row is seen
    # both with and without the confidential-and-up controls.
    for n, combo in enumerate(pairwise(FACTORS)):
        for shift in (0, 2):
            sensitivity = SENSITIVITIES[(n + shift) % len(SENSITIVITIES)]
            case_id = f"pair-{n:02d}-{sensitivity[:4]}"
            cases.append((case_id, _answers_data(case_id, sensitivity, combo)))
    valid: list[tuple[str, dict[str, Any]]] = []
    for case_id, data in cases:
        try:
            validate_answers(data)
        except AnswersError:
            # A single key is refused above internal data: the covering still holds with per_purpose.
            data["keys"]["strategy"] = "per_purpose"
            validate_answers(data)
        valid.append((case_id, data))
    return valid


MATRIX = matrix()
HOSTILE_OWNER = 'Team "AI" ${ops} %{x} \\ 100%'


def test_matrix_covers_the_answer_space() -> None:
    assert len(MATRIX) >= 40
    answers = [validate_answers(d) for _, d in MATRIX]
    assert {(a.data.sensitivity.value, k.value) for a in answers for k in a.workload.kinds} >= set(
        itertools.product(SENSITIVITIES, KINDS)
    )


def _render_all(root: Path | None = None) -> dict[str, dict[str, str]]:
    """Every case rendered; under ``root``, also laid out as guardform scans it (the stack, and each module
    on its own)."""
    from wizard.scan import write_scan_tree

    rendered = {}
    for n, (case_id, data) in enumerate(MATRIX):
        p = plan(validate_answers(data))
        if n % 2:
            # No answer can hold quotes, backslashes or template sequences (the owner is an AWS tag value):
            # every other case carries them in a hand-set Owner tag, so parsing and the scan still see
            # rendering escape them.
            p = dataclasses.replace(p, owner=HOSTILE_OWNER, tags={**p.tags, "Owner": HOSTILE_OWNER})
        files = render(p)
        rendered[case_id] = files
        if root is not None:
            write_scan_tree(files, root / case_id)
    return rendered


@pytest.mark.slow
def test_every_combination_renders_and_parses() -> None:
    # Most modules render to the same text in many cases: parse each distinct file once.
    where: dict[str, list[str]] = {}
    for case_id, files in _render_all().items():
        for rel, text in files.items():
            if rel.endswith(".tf"):
                where.setdefault(text, []).append(f"{case_id}/{rel}")
    for text, paths in where.items():
        try:
            parse_tf(text)
        except Exception as exc:
            pytest.fail(f"{paths[0]} (and {len(paths) - 1} identical files) does not parse: {exc}")


@pytest.mark.checkov
def test_checkov_finds_nothing_in_any_combination(tmp_path: Path) -> None:
    from wizard.scan import format_text, guardform_checks_dir, resolve_checkov, scan

    _render_all(tmp_path)
    report = scan(tmp_path, checkov=resolve_checkov(None, print), external_checks_dirs=[guardform_checks_dir()])
    assert report.ok, format_text(report)
    assert report.passed and len(report.passed) > 100 * len(MATRIX) // 4
    custom = {f.check_id for f in report.passed if f.check_id.startswith("CKV_GF_")}
    assert {"CKV_GF_1", "CKV_GF_2", "CKV_GF_5"} <= custom
