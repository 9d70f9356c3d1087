"""Provisioning checkov ahead of time (``setup_checkov``) and the progress a first install shows.
No real install: a fake installer stands in for venv + pip, in a temporary XDG_CACHE_HOME."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_scan import fake_program
from wizard import scan as S
from wizard.scan import ScanError
from wizard.scan import provision as P


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CI-style cache folder given by XDG_CACHE_HOME; no checkov on PATH or in the environment."""
    xdg = tmp_path / "ci-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.delenv(S.CHECKOV_ENV_VAR, raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return xdg


PIP_OUTPUT = """\
Collecting checkov==3.3.30
  Downloading checkov-3.3.30-py3-none-any.whl (2.3 MB)
Collecting boto3>=1.17
  Downloading https://files.example/boto3-1.35.0-py3-none-any.whl (139 kB)
Installing collected packages: boto3, botocore, checkov
Successfully installed boto3 botocore checkov
"""


def pip_like_installer(counter: Path) -> Callable[[Path, str], list[list[str]]]:
    """Prints what pip prints, then makes bin/python and bin/checkov like a real install."""

    def commands(env_dir: Path, requirement: str) -> list[list[str]]:
        code = textwrap.dedent(
            f"""
            import os, sys
            sys.stdout.write({PIP_OUTPUT!r})
            env = {str(env_dir)!r}
            os.makedirs(os.path.join(env, "bin"))
            os.symlink(sys.executable, os.path.join(env, "bin", "python"))
            script = os.path.join(env, "bin", "checkov")
            with open(script, "w") as fh:
                fh.write("#!/bin/sh\\necho 3.3.30\\n")
            os.chmod(script, 0o755)
            with open({str(counter)!r}, "a") as fh:
                fh.write("built\\n")
            """
        )
        return [[sys.executable, "-c", code]]

    return commands


def failing_pip_installer(env_dir: Path, requirement: str) -> list[list[str]]:
    """Stands in for venv + a pip that cannot install: the first command leaves a half-made env (as venv does),
    the second fails as pip does for a wheel that is not there. The real venv and pip (about 3 s of CPU) fail
    this way in test_scan.py::test_failed_install_leaves_no_env_behind."""
    made = f"import os; os.makedirs(os.path.join({str(env_dir)!r}, 'bin'))"
    fails = f"import sys; sys.exit('ERROR: Could not find a version that satisfies the requirement {requirement}')"
    return [[sys.executable, "-c", made], [sys.executable, "-c", fails]]


def test_setup_installs_into_xdg_cache_home_with_progress_and_is_idempotent(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "builds.txt"
    monkeypatch.setattr(P, "_install_commands", pip_like_installer(counter))
    messages: list[str] = []
    exe = S.setup_checkov(messages.append)
    assert exe == cache / "guardform" / f"checkov-{S.PINNED_CHECKOV_VERSION}" / "bin" / "checkov"
    assert exe.is_file()
    text = "\n".join(messages)
    assert "1-2 minutes" in text and "about 30 s" not in text
    # pip's output is condensed to the step, never dumped whole
    assert "resolving checkov" in text and "Successfully installed" not in text
    assert messages[-1].startswith("checkov 3.3.30 is ready")

    messages.clear()
    assert S.setup_checkov(messages.append) == exe  # a second run (a warm CI cache) installs nothing
    assert counter.read_text().count("built") == 1
    assert any("already installed" in m for m in messages)
    assert S.resolve_checkov(None) == exe  # and scans use it


def test_setup_says_when_another_checkov_takes_precedence(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(P, "_install_commands", pip_like_installer(tmp_path / "builds.txt"))
    mine = fake_program(tmp_path / "mine" / "checkov", "echo 3.3.30\n")
    monkeypatch.setenv(S.CHECKOV_ENV_VAR, str(mine))
    messages: list[str] = []
    S.setup_checkov(messages.append)
    assert any(S.CHECKOV_ENV_VAR in m and "not this one" in m for m in messages)


def test_setup_failure_is_a_scan_error_naming_the_command(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing" / "checkov-0.0.0-py3-none-any.whl"
    monkeypatch.setattr(P, "CHECKOV_REQUIREMENT", str(missing))
    monkeypatch.setattr(P, "_install_commands", failing_pip_installer)
    with pytest.raises(ScanError, match=r"could not install[\s\S]*command:"):
        S.setup_checkov()
    assert not S.managed_env_dir().exists()


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ("Collecting checkov==3.3.30", "resolving checkov"),
        ("  Downloading checkov-3.3.30-py3-none-any.whl.metadata (80 kB)", "downloading checkov (80 kB)"),
        ("  Downloading https://files.example/boto3-1.35.0.tar.gz (10 kB)", "downloading boto3 (10 kB)"),
        ("Installing collected packages: a, b, c", "installing 3 packages (the longest step)"),
        ("  Building wheel for pycep (pyproject.toml): started", "building pycep"),
        ("Resolved 87 packages in 2.10s", "resolved 87 packages in 2.10s"),
        ("Requirement already satisfied: six in ./lib", None),
        ("Successfully installed a b c", None),
    ],
)
def test_installer_output_is_condensed_to_steps(line: str, step: str | None) -> None:
    assert P.condense_installer_line(line) == step


def test_install_progress_is_throttled_and_has_a_heartbeat() -> None:
    now = [100.0]
    said: list[str] = []
    progress = P.InstallProgress(said.append, every=5, heartbeat=15, clock=lambda: now[0])
    progress.step("resolving checkov")  # said at once
    now[0] = 101.0
    progress.step("downloading checkov")  # within 5 s: held back
    now[0] = 106.0
    progress.tick()  # its time has come
    now[0] = 110.0
    progress.tick()  # nothing pending, not silent long enough
    now[0] = 122.0
    progress.tick()  # 16 s of silence
    assert said == ["  [0:00] resolving checkov", "  [0:06] downloading checkov", "  [0:22] still installing…"]
