"""Render every answer combination the tests use, to prove a refactor leaves the output byte-identical.

Usage:
  .venv/bin/python scripts/render_matrix.py snapshot BEFORE.json   # on the code before the change
  .venv/bin/python scripts/render_matrix.py compare BEFORE.json    # after it: exit 1 and a diff when any file differs

The cases: tests/test_generated.py's matrix, each of its first 50 rows again with every workload kind, four Bedrock
models (two inference profiles) and three callers, and examples/. A case the plan refuses is recorded as its error.
"""

from __future__ import annotations

import copy
import difflib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_generated import MATRIX  # noqa: E402
from wizard.answers import load_answers, validate_answers  # noqa: E402
from wizard.plan import PlanError, plan  # noqa: E402
from wizard.render import render  # noqa: E402

_ALL_KINDS = ["sagemaker_training", "sagemaker_inference", "sagemaker_notebook", "bedrock"]
_MODELS = [
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "eu.meta.llama3-2-1b-instruct-v1:0",
    "amazon.titan-embed-text-v2:0",
]


def _cases() -> list[tuple[str, Any]]:
    cases: list[tuple[str, Any]] = [(cid, validate_answers(d)) for cid, d in MATRIX]
    for cid, data in MATRIX[:50]:
        d = copy.deepcopy(data)
        d["workload"].update(kinds=_ALL_KINDS, bedrock_models=_MODELS, bedrock_callers=["lambda", "ecs_tasks", "ec2"])
        cases.append((f"{cid}-all", validate_answers(d)))
    cases += [(f"ex-{p.name}", load_answers(p).answers) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    return cases


def rendered() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for cid, answers in _cases():
        try:
            out[cid] = render(plan(answers), "answers")
        except PlanError as exc:
            out[cid] = {"<PlanError>": str(exc)}
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("snapshot", "compare"):
        print(__doc__)
        return 2
    path = Path(argv[1])
    now = rendered()
    if argv[0] == "snapshot":
        path.write_text(json.dumps(now, sort_keys=True), encoding="utf-8")
        print(f"{len(now)} cases written to {path}")
        return 0
    before = json.loads(path.read_text(encoding="utf-8"))
    differ = [cid for cid in sorted(set(before) | set(now)) if before.get(cid) != now.get(cid)]
    for cid in differ[:3]:
        old, new = before.get(cid, {}), now.get(cid, {})
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                diff = difflib.unified_diff(
                    old.get(name, "").splitlines(True),
                    new.get(name, "").splitlines(True),
                    f"before/{cid}/{name}",
                    f"after/{cid}/{name}",
                )
                sys.stdout.writelines(list(diff)[:40])
    print(f"{len(now)} cases, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
