"""Shared helpers for the tests: paths, and the wizard's fakes and Pilot steps (tests/test_tui*.py).

The wizard's helpers drive it as a user would: keyboard first (Tab, arrows, Enter, Space, Ctrl+N).
``FakePipeline`` keeps the real plan and the real, atomic write, and replaces render (a small fixed
stack), checkov's lookup and the scan (a fixed report), so a flow test needs neither the templates
nor checkov.
"""

from __future__ import annotations

import asyncio
import functools
import getpass
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

import textual.constants
from textual import events
from textual.widgets import Input, Static

from wizard.pipeline import Pipeline, Progress
from wizard.render import ANSWERS_FILE
from wizard.scan import Finding, ScanCancelled, ScanReport
from wizard.tui import form as F
from wizard.tui.app import WizardApp
from wizard.tui.widgets.fields import FormField
from wizard.tui.widgets.toggles import CheckList, Choices

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SIZE = (100, 30)


# -- running in parallel (pytest-xdist, ``-n auto --dist loadgroup``) ------------------------------

#: Modules whose module- or session-scoped fixtures are expensive (Terraform over every stack, the moto
#: emulator's deploys, checkov over the fixtures): each runs on one worker, so those fixtures run once.
ONE_WORKER_MODULES = ("test_terraform", "test_emulator", "test_checks", "test_scan", "test_output", "test_schema")


#: The longest of those (minutes each: Terraform over 16 stacks, the emulator's applies) are sent first, so
#: that the other worker works through the short tests meanwhile instead of waiting for them at the end.
LONGEST_FIRST = ("test_terraform", "test_emulator")


def pytest_xdist_auto_num_workers(config: Any) -> int:
    """``-n auto``: one worker more than the machine has cores. A Pilot test waits about a quarter of its time
    for Textual's event loop (measured: 0.28 s of a 1.05 s walk through six screens), so with one worker per
    core both cores sit idle whenever both workers wait at once; a third worker fills those gaps."""
    return (os.cpu_count() or 1) + 1


def _module(item: Any) -> str:
    return item.module.__name__.rsplit(".", 1)[-1] if item.module else ""


def pytest_collection_modifyitems(items: list[Any]) -> None:
    import pytest

    for item in items:
        if _module(item) in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(_module(item)))
    items.sort(key=lambda item: _module(item) not in LONGEST_FIRST)  # stable: the order within is kept


# -- the wizard: fakes and Pilot steps -----------------------------------------------------------

# Animations off in every test (as TEXTUAL_ANIMATIONS=none does for a user who asks): a scroll that animates
# (scroll_visible to the first problem) is otherwise caught half-way by a snapshot taken under load, and each
# frame of it costs a render. Where the screen ends up is the same.
textual.constants.TEXTUAL_ANIMATIONS = "none"


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio.run (no async pytest plugin is installed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


FAKE_TF = 'resource "aws_s3_bucket" "this" {\n  bucket_prefix = "demo-"\n  force_destroy = false\n}\n'


def fake_report() -> ScanReport:
    failed = Finding(
        "CKV_AWS_18",
        "Ensure the S3 bucket has access logging enabled",
        "failed",
        "module.s3.aws_s3_bucket.this",
        "modules/s3/main.tf",
        (1, 4),
        "https://example.com/ckv_aws_18",
    )
    skipped = Finding(
        "CKV_AWS_144",
        "Ensure that S3 bucket has cross-region replication enabled",
        "skipped",
        "module.s3.aws_s3_bucket.this",
        "modules/s3/main.tf",
        (1, 4),
        None,
        "data residency: allowed_regions holds no second region",
    )
    passed = tuple(
        Finding(
            f"CKV_AWS_{n}", f"Passing check {n}", "passed", "module.s3.aws_s3_bucket.this", "modules/s3/main.tf", (1, 4)
        )
        for n in (19, 21, 53, 54, 55, 56)
    )
    return ScanReport("3.3.30", passed=passed, failed=(failed,), skipped=(skipped,), resource_count=1)


class FakePipeline(Pipeline):
    """Real plan and real (atomic) write; a small fixed stack instead of the templates; a fixed scan."""

    def __init__(
        self,
        report: ScanReport | None = None,
        render_error: Exception | None = None,
        render_gate: threading.Event | None = None,
        hang_scan: bool = False,
    ) -> None:
        self.report = report or fake_report()
        #: the scan blocks, as a hung checkov does, until its cancel event is set (then ScanCancelled)
        self.hang_scan = hang_scan
        self.scan_started = threading.Event()
        self.render_error = render_error
        self.render_gate = render_gate
        self.scanned: list[list[str]] = []
        self.resolved = 0

    def render(self, plan: Any, answers_yaml: str) -> dict[str, str]:
        if self.render_gate is not None:
            self.render_gate.wait(10)
        if self.render_error is not None:
            raise self.render_error
        return {
            "README.md": f"# {plan.name}\n",
            "main.tf": 'module "s3" {\n  source = "./modules/s3"\n}\n',
            "modules/s3/main.tf": FAKE_TF,
            ANSWERS_FILE: answers_yaml,
        }

    def prewarm(self, explicit: str | None, progress: Progress | None) -> Any:
        return None

    def resolve_checkov(self, explicit: str | None, progress: Progress | None) -> Path:
        self.resolved += 1
        return Path("/opt/checkov/bin/checkov")

    def scan(
        self,
        files: Mapping[str, str],
        checkov: Path,
        progress: Progress | None,
        cancel: threading.Event | None = None,
    ) -> ScanReport:
        if progress is not None:
            progress("Scanning with checkov…")
        self.scanned.append(sorted(files))
        self.scan_started.set()
        if self.hang_scan:
            while not (cancel is not None and cancel.wait(0.05)):
                pass
            raise ScanCancelled("the scan was cancelled; checkov was stopped")
        return self.report


class WarmedUp(threading.Thread):
    """Stands in for scan.CheckovPrewarm: resolves checkov on a thread, started when the wizard opens."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.checkov: Path | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        self.checkov = Path("/opt/warm/bin/checkov")


def make_app(tmp_path: Path, answers: Path | None = None, pipeline: Pipeline | None = None) -> WizardApp:
    return WizardApp(answers, tmp_path / "out", prewarm=False, pipeline=pipeline or FakePipeline())


def copy_example(tmp_path: Path, name: str = "restricted-phi-bedrock.yaml") -> Path:
    target = tmp_path / name
    shutil.copy(EXAMPLES / name, target)
    return target


async def step(pilot: Any) -> None:
    """Wait until the app has handled what the last action caused: Textual's own wait for every widget's
    message queue, one turn of the event loop, and the screen's refresh (``Pilot.pause(0)``). It waits on
    that condition, not on a clock: ``Pilot.pause()`` without a delay also sleeps in 20 ms slices until the
    process looks idle, which cost more wall time than the wizard's own work here. Work on a thread (the
    generate worker, the checkov warm-up) is waited for explicitly (``app.workers.wait_for_complete()``)."""
    await pilot.pause(0)


async def settle(pilot: Any) -> None:
    """``step`` twice: a screen switch mounts the new screen, which then focuses its first field."""
    await step(pilot)
    await step(pilot)


def field(app: WizardApp, path: str) -> FormField:
    return app.screen.field(path)  # type: ignore[attr-defined]


async def type_into(pilot: Any, path: str, text: str) -> None:
    """Focus the field with the keyboard-equivalent focus(), clear it, and paste ``text`` into it, as a user
    pastes an ARN or a list of ids: one Paste event through the terminal driver's path, so the field, its
    validation and every hint that follows it react once (the burst and typing tests press keys one by one)."""
    control = field(pilot.app, path).query_one(Input)
    control.focus()
    control.value = ""
    await step(pilot)
    if text:
        control.post_message(events.Paste(text))
    await step(pilot)
    assert control.value == text, (path, control.value)


async def choose(pilot: Any, path: str, value: Any) -> None:
    """Pick a radio option with the keyboard: arrows to it, then Enter."""
    choices = field(pilot.app, path).query_one(Choices)
    choices.focus()
    await step(pilot)
    target = choices.values.index(value)
    for _ in range(len(choices.values) + 1):
        if choices._selected == target:
            break
        await pilot.press("down")
    assert choices._selected == target
    if choices.value != value:
        await pilot.press("enter")
    await step(pilot)
    assert choices.value == value


async def tick(pilot: Any, path: str, values: list[str]) -> None:
    """Make exactly ``values`` checked in a check list, with arrows and Space."""
    checklist = field(pilot.app, path).query_one(CheckList)
    checklist.focus()
    await step(pilot)
    for index in range(checklist.option_count):
        value = checklist.get_option_at_index(index).value
        if (value in values) != (value in checklist.selected):
            while checklist.highlighted != index:
                await pilot.press("down" if (checklist.highlighted or 0) < index else "up")
            await pilot.press("space")
    await step(pilot)
    assert sorted(checklist.selected) == sorted(values)


async def next_screen(pilot: Any) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)


async def to_step(pilot: Any, count: int) -> None:
    """From the first question screen (an answers file was opened), press Next ``count`` times."""
    await settle(pilot)
    for _ in range(count):
        await next_screen(pilot)


async def fill_new(
    pilot: Any,
    *,
    name: str,
    sensitivity: str,
    kinds: list[str],
    region: str = "us-east-1",
    models: str = "",
    categories: list[str] | None = None,
    compliance: list[str] | None = None,
    environment: str = "dev",
    strategy: str = "per_purpose",
    email: str = "",
) -> None:
    """From the start screen, answer every question screen by keyboard and arrive at the review."""
    app = pilot.app
    await pilot.press("enter")  # "Start with new answers" has the focus
    await settle(pilot)
    assert app.screen.id == "step-project"
    await type_into(pilot, "project.name", name)
    await choose(pilot, "project.environment", environment)
    await type_into(pilot, "project.region", region)
    await next_screen(pilot)
    assert app.screen.id == "step-workload"
    await tick(pilot, "workload.kinds", kinds)
    if "bedrock" in kinds:
        await type_into(pilot, "workload.bedrock_models", models)
    await next_screen(pilot)
    assert app.screen.id == "step-data"
    await choose(pilot, "data.sensitivity", sensitivity)
    await tick(pilot, "data.categories", categories or [])
    await tick(pilot, "data.compliance", compliance or [])
    await next_screen(pilot)
    assert app.screen.id == "step-network"
    await next_screen(pilot)
    assert app.screen.id == "step-keys"
    await choose(pilot, "keys.strategy", strategy)
    await next_screen(pilot)
    assert app.screen.id == "step-monitoring"
    if email:
        await type_into(pilot, "monitoring.alert_email", email)
    await next_screen(pilot)
    assert app.screen.id == "step-review", F.validate(app.form)[1]


async def generate(pilot: Any) -> None:
    app = pilot.app
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert app.screen.id == "step-generate"
    await app.workers.wait_for_complete()
    await settle(pilot)


def text_of(app: WizardApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


# -- bytecode of the test processes ----------------------------------------------------------------


def _bytecode_outside_the_tree() -> None:
    """Where PYTHONDONTWRITEBYTECODE is set, keep bytecode anyway, under the temporary folder (PYTHONPYCACHEPREFIX)
    and never in the tree: every xdist worker and every ``python -m wizard`` a test starts otherwise compiles
    wizard/ and re-runs pytest's assertion rewriting of tests/ (about 2 s of each worker's collection).
    Python checks each cached file against its source, so a stale one is never used. Runs when pytest imports
    this file: before the test modules and before xdist starts its workers, which inherit the setting."""
    if not sys.dont_write_bytecode or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    temp = Path(tempfile.gettempdir()).resolve()
    prefix = temp / f"guardform-tests-pycache-{getpass.getuser()}"
    if "PYTEST_XDIST_WORKER" not in os.environ:
        # Bytecode of files under the temporary folder (the venvs and scripts tests make in tmp_path) is never
        # read again: drop the last runs' before this one adds its own, so the folder does not grow run by run.
        shutil.rmtree(prefix / temp.relative_to(temp.anchor), ignore_errors=True)
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix = str(prefix)
    sys.dont_write_bytecode = False


_bytecode_outside_the_tree()
