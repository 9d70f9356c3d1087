"""Real Terraform for the tests: find the binary and the AWS provider, write a CLI config, run commands.

Nothing is downloaded. The provider comes from a filesystem mirror (``$GUARDFORM_TF_PLUGIN_MIRROR``, else
the usual mirror folders) and is unpacked once into a plugin cache shared by every stack of the session, so
the provider (about 675 MB) is not copied per stack. When Terraform or the provider is missing the tests
skip with the reason; ``GUARDFORM_REQUIRE_TERRAFORM=1`` (set by ``.ci/run``) turns that skip into a failure.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from wizard.answers import LoadedAnswers
from wizard.pipeline import DEFAULT_OUT, Pipeline
from wizard.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PROVIDER = Path("registry.terraform.io/hashicorp/aws")
MIRROR_CANDIDATES = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)


@dataclass(frozen=True)
class Terraform:
    binary: Path
    mirror: Path
    provider_version: str
    cli_config: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        env.update(extra)
        return env


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def unavailable(reason: str) -> None:
    """Skip, or fail when CI demands real Terraform."""
    if os.environ.get("GUARDFORM_REQUIRE_TERRAFORM") == "1":
        pytest.fail(f"GUARDFORM_REQUIRE_TERRAFORM=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _mirror() -> tuple[Path, str] | None:
    override = os.environ.get("GUARDFORM_TF_PLUGIN_MIRROR")
    for base in [Path(override)] if override else list(MIRROR_CANDIDATES):
        versions = sorted((base / PROVIDER).glob("*/linux_amd64")) if (base / PROVIDER).is_dir() else []
        if versions:
            return base, versions[-1].parent.name
    return None


def find_terraform(cache_dir: Path) -> Terraform:
    """Terraform and the AWS provider mirror, with a CLI config under cache_dir; skips when missing."""
    binary = os.environ.get("GUARDFORM_TERRAFORM") or shutil.which("terraform")
    if not binary:
        unavailable("terraform is not on PATH (set GUARDFORM_TERRAFORM to its path)")
    found = _mirror()
    if found is None:
        where = os.environ.get("GUARDFORM_TF_PLUGIN_MIRROR") or ", ".join(str(p) for p in MIRROR_CANDIDATES)
        unavailable(f"no hashicorp/aws provider in a filesystem mirror ({where}); set GUARDFORM_TF_PLUGIN_MIRROR")
    assert binary is not None and found is not None
    mirror, version = found
    plugin_cache = cache_dir / "plugin-cache"
    plugin_cache.mkdir(parents=True, exist_ok=True)
    cli_config = cache_dir / "terraform.rc"
    cli_config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{PROVIDER}"]\n'
        "  }\n"
        "}\n"
        f'plugin_cache_dir = "{plugin_cache}"\n'
    )
    return Terraform(Path(binary), mirror, version, cli_config)


def run(tf: Terraform, cwd: Path, *args: str, timeout: float = 900, env: dict[str, str] | None = None) -> Result:
    started = time.monotonic()
    proc = subprocess.run(
        [str(tf.binary), *args, "-no-color"],
        cwd=cwd,
        env=env or tf.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(tuple(args), proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)


def write_files(files: dict[str, str], target: Path) -> Path:
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return target


# Two inits at once race on the shared plugin cache ("failed to create directory ... file exists"), even
# when it is already filled; an init takes a second or two, so they take turns.
_INIT_LOCK = threading.Lock()


def init(tf: Terraform, stack: Path) -> Result:
    """``terraform init`` from the mirror through the shared plugin cache.

    A stack without a lock file does not trust the cache: Terraform 1.11 installs the provider into it again,
    replacing the cache entry every stack's ``.terraform/providers`` links to, and a stack running Terraform at
    that moment fails with "fork/exec .terraform/providers/...: no such file or directory" (seen in a run of
    tests/test_terraform.py). TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE makes it use the cached package,
    which came from the same mirror; the lock file it writes records the same hash.
    """
    with _INIT_LOCK:
        env = tf.env(TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE="true")
        return run(tf, stack, "init", "-backend=false", "-input=false", env=env)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the process that started it dies (Linux prctl
    PR_SET_PDEATHSIG), so a killed test run leaves no provider behind."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


@contextmanager
def shared_provider(tf: Terraform, stack: Path, log: Path, timeout: float = 120) -> Iterator[dict[str, str]]:
    """The AWS provider started once, for many ``terraform test`` runs: the environment to run them in.

    Terraform starts the provider (a 675 MB Go binary) for every configuration it validates, plans or applies:
    about 45 times in one stack's ``terraform test``, most of that command's CPU. Started here in its debug mode
    (``-debug``, the provider's own documented way to attach Terraform to a running provider) from the copy
    ``terraform init`` installed in ``stack``, and named by ``TF_REATTACH_PROVIDERS``, one process answers every
    run instead. Only for mock-provider tests: their real provider is asked for its schema and to validate
    configurations, nothing that depends on a configured provider, so runs can share it (two at a time).
    """
    found = sorted((stack / ".terraform" / "providers" / PROVIDER).glob("*/*/terraform-provider-aws*"))
    if not found:
        raise RuntimeError(f"no provider installed in {stack}/.terraform (run terraform init first)")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(found[-1]), "-debug"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=tf.env(),
            preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + timeout
        while (m := re.search(r"TF_REATTACH_PROVIDERS='([^']+)'", log.read_text())) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the provider did not start in debug mode:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        reattach = json.loads(m.group(1))
        assert str(PROVIDER) in reattach, reattach
        yield tf.env(TF_REATTACH_PROVIDERS=json.dumps(reattach))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load(path: Path) -> LoadedAnswers:
    """A stack's answers, read the way `guardform generate` reads them."""
    return Pipeline().load(path)


def build(loaded: LoadedAnswers) -> tuple[Plan, dict[str, str]]:
    """The plan and the files a stack's answers render to (the pipeline's build; nothing is written)."""
    built = Pipeline().build_loaded(loaded, out_dir=DEFAULT_OUT)
    return built.plan, dict(built.files)
