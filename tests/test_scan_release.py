"""The release and CI workflows: what docs/regeneration.md says a release does is what the files do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import wizard
from wizard.scan import PINNED_CHECKOV_VERSION

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CHECK_DIST = ROOT / ".github" / "scripts" / "check-dist.sh"

pytestmark = pytest.mark.skipif(not WORKFLOWS.is_dir(), reason="not a checkout (no .github folder)")


def workflow(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return doc


def runs(doc: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for job in doc["jobs"].values() for step in job["steps"])


def test_ci_workflow_runs_the_ci_script_with_a_cached_pinned_checkov() -> None:
    doc = workflow("ci.yml")
    assert "bash .ci/run" in runs(doc)
    assert set(doc["on"]) == {"push", "pull_request"}
    cache = [s for s in doc["jobs"]["test"]["steps"] if s.get("uses", "").startswith("actions/cache@")]
    assert cache and cache[0]["with"]["path"] == "~/.cache/guardform"
    assert f"checkov-{PINNED_CHECKOV_VERSION}-" in cache[0]["with"]["key"]


def test_release_workflow_builds_tests_the_wheel_and_attaches_it_on_a_version_tag() -> None:
    doc = workflow("release.yml")
    assert doc["on"] == {"push": {"tags": ["v*"]}}
    build = runs({"jobs": {"build": doc["jobs"]["build"]}})
    assert "python -m build" in build
    assert '.github/scripts/check-dist.sh "$GITHUB_REF_NAME"' in build
    publish = doc["jobs"]["publish"]
    assert publish["needs"] == "build" and publish["permissions"] == {"contents": "write"}
    assert "gh release create" in runs({"jobs": {"publish": publish}}) and "dist/*" in runs({"jobs": {"p": publish}})
    assert doc["permissions"] == {"contents": "read"}  # only the publish job may write


def test_check_dist_installs_the_wheel_in_a_fresh_venv_and_tests_it_not_the_checkout() -> None:
    script = CHECK_DIST.read_text(encoding="utf-8")
    assert CHECK_DIST.stat().st_mode & 0o111, "check-dist.sh must be executable"
    assert "python3 -m venv" in script and 'pip install -q --disable-pip-version-check "${wheel}[test]"' in script
    assert "generate --answers answers.yaml" in script  # the smoke test
    assert '-m "not checkov and not slow"' in script
    assert '"site-packages" in where.parts' in script  # the tests import the installed package
    assert "tag $tag does not match" in script


def test_the_version_a_tag_must_match_has_one_value() -> None:
    # Written once, in wizard/__init__.py; pyproject reads it from there (the wheel name carries it).
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.findall(r'(?m)^version = "([^"]+)"$', pyproject) == []
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "wizard.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", wizard.__version__)
