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


#: Every file a user copies a version pin or the repository URL from.
PINNED_DOCS = ("README.md", "docs/regeneration.md", ".pre-commit-hooks.yaml")
REPOSITORY = "https://github.com/guardform/guardform"


def test_the_docs_pin_the_version_the_changelog_releases() -> None:
    """A user copying `rev: vX.Y.Z` or `@vX.Y.Z` gets the version this checkout is, and the changelog's newest
    release is that version (the tag the integrator pushes)."""
    version = wizard.__version__
    for name in PINNED_DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        pins = set(re.findall(r"(?:rev: |@|download/|guardform-v)v?(\d+\.\d+\.\d+)", text))
        assert pins == {version}, f"{name} pins {sorted(pins)}, not {version}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # an "Unreleased" section may sit on top: it collects what the next release will say (Keep a Changelog)
    sections = re.findall(r"(?m)^## (\S+)", changelog)
    releases = sections[1:] if sections[0] == "Unreleased" else sections
    assert releases[0] == version, f"CHANGELOG.md's newest release is {releases[0]}, not {version}"
    assert re.search(rf"(?m)^## {re.escape(version)} - \d{{4}}-\d{{2}}-\d{{2}}$", changelog)


def test_one_repository_url_everywhere() -> None:
    from wizard.checks.guardform_common import DOCS_BASE_URL

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is Python 3.11+)
    table = pyproject.split("\n[project.urls]\n", 1)[1].split("\n[", 1)[0]
    urls = dict(re.findall(r'(?m)^(\w+) = "([^"]+)"$', table))
    assert urls["Repository"] == REPOSITORY and all(u.startswith(REPOSITORY) for u in urls.values())
    assert DOCS_BASE_URL.startswith(REPOSITORY + "/") and urls["Documentation"] == DOCS_BASE_URL
    for name in (*PINNED_DOCS, "wizard/checks/guardform_bedrock_log_group_kms.yaml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "<your-org>" not in text, name
        others = {u for u in re.findall(r"https://github\.com/[\w.-]+/guardform", text) if u != REPOSITORY}
        assert not others, f"{name} names {sorted(others)}"
