"""wizard/output.py: safe regeneration of a stack folder, as a user of the folder would notice it."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.output import (
    MANIFEST_NAME,
    DriftError,
    OutputError,
    check_stack,
    diff_stack,
    recover,
    write_stack,
)

REPO = Path(__file__).resolve().parent.parent
V1, V2 = "0.1.0", "0.2.0"
ANSWERS_A = hashlib.sha256(b"answers A").hexdigest()
ANSWERS_B = hashlib.sha256(b"answers B").hexdigest()

FILES = {
    "README.md": "# fraud-scoring\n",
    "guardform.answers.yaml": "version: 1\nproject:\n  name: fraud-scoring\n",
    "main.tf": 'module "kms" {\n  source = "./modules/kms"\n}\n',
    "variables.tf": 'variable "tags" {\n  type = map(string)\n}\n',
    "modules/kms/main.tf": 'resource "aws_kms_key" "this" {\n  enable_key_rotation = true\n}\n',
    "modules/kms/outputs.tf": 'output "key_arn" {\n  value = aws_kms_key.this.arn\n}\n',
    "modules/macie/main.tf": 'resource "aws_macie2_account" "this" {}\n',
}
# What the team adds beside the generated files; guardform must never touch any of it.
USER_FILES: dict[str, bytes] = {
    "backend.tf": b'terraform {\n  backend "s3" {}\n}\n',
    "terraform.tfstate": b'{"version": 4}\n',
    ".terraform.lock.hcl": b'provider "registry.terraform.io/hashicorp/aws" {}\n',
    ".terraform/providers/registry.terraform.io/hashicorp/aws/6.0.0/linux_amd64/terraform-provider-aws": (
        b"\x7fELF\x00\x01binary" * 64
    ),
    "notes/decisions.md": b"We keep state in S3.\n",
    "modules/kms/NOTES.md": b"a user note inside a generated module folder\n",
}


# -- helpers ---------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under root (folders, symlinks, files with content), never following symlinks."""
    if not os.path.lexists(root):
        return {}
    out: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            mode = os.lstat(p).st_mode
            if stat.S_ISLNK(mode):
                out[rel] = ("link", os.readlink(p).encode())
            elif stat.S_ISDIR(mode):
                out[rel] = ("dir", b"")
            else:
                out[rel] = ("file", p.read_bytes())
    return out


def mtimes(root: Path) -> dict[str, int]:
    return {
        Path(d, n).relative_to(root).as_posix(): os.lstat(Path(d, n)).st_mtime_ns
        for d, dirs, files in os.walk(root)
        for n in dirs + files
    }


def add_user_files(root: Path, files: dict[str, bytes] = USER_FILES) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def user_files_intact(root: Path, files: dict[str, bytes] = USER_FILES) -> bool:
    return all((root / rel).read_bytes() == data for rel, data in files.items())


def leftovers(out: Path) -> list[str]:
    return sorted(n for n in os.listdir(out.parent) if ".guardform-" in n)


def seal_of(doc: dict) -> str:
    """The seal guardform puts in a manifest: what a forger would have to recompute by hand."""
    body = {k: doc[k] for k in ("answers_sha256", "files", "stack", "tool", "tool_version")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(b"guardform manifest seal v1\0" + text.encode()).hexdigest()


def changed(files: dict[str, str], edits: dict[str, str]) -> dict[str, str]:
    return {**files, **edits}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "modules_out" / "fraud-scoring"


@pytest.fixture
def written(out: Path) -> Path:
    """A stack written once, with the team's own files added beside it."""
    write_stack(FILES, out, V1, ANSWERS_A)
    add_user_files(out)
    return out


# -- rule 5: first write, identical regeneration ----------------------------------------------------


def test_first_write_creates_every_file_and_a_deterministic_manifest(out: Path, tmp_path: Path) -> None:
    result = write_stack(FILES, out, V1, ANSWERS_A)

    assert result.created == tuple(sorted(FILES))
    assert (result.updated, result.unchanged, result.removed, result.kept_as_orig) == ((), (), (), ())
    assert result.manifest_written
    for rel, text in FILES.items():
        assert (out / rel).read_text() == text
    manifest = (out / MANIFEST_NAME).read_text()
    doc = json.loads(manifest)
    assert doc.pop("seal") == seal_of(doc)
    assert doc == {
        "tool": "guardform",
        "tool_version": V1,
        "answers_sha256": ANSWERS_A,
        "stack": "fraud-scoring",
        "files": {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in FILES.items()},
    }
    assert manifest.endswith("}\n") and '\n  "files": {\n    "README.md"' in manifest
    assert list(json.loads(manifest)) == sorted(json.loads(manifest))  # sorted keys

    # same inputs, another folder, files given in another order: byte-identical manifest
    other = tmp_path / "elsewhere" / "fraud-scoring"
    write_stack(dict(reversed(list(FILES.items()))), other, V1, ANSWERS_A)
    assert (other / MANIFEST_NAME).read_bytes() == (out / MANIFEST_NAME).read_bytes()
    assert leftovers(out) == []


def test_regenerating_identical_content_changes_nothing(written: Path) -> None:
    before, times = snapshot(written), mtimes(written)
    result = write_stack(FILES, written, V1, ANSWERS_A)

    assert result.unchanged == tuple(sorted(FILES))
    assert (result.created, result.updated, result.removed, result.kept_as_orig) == ((), (), (), ())
    assert not result.changed
    assert snapshot(written) == before
    assert mtimes(written) == times  # not even rewritten
    assert leftovers(written) == []


def test_changed_content_updates_only_what_changed(written: Path) -> None:
    new = changed(FILES, {"main.tf": FILES["main.tf"] + "# more\n", "README.md": "# fraud-scoring v2\n"})
    result = write_stack(new, written, V1, ANSWERS_A)

    assert result.updated == ("README.md", "main.tf")
    assert set(result.unchanged) == set(FILES) - {"README.md", "main.tf"}
    assert (written / "main.tf").read_text() == new["main.tf"]
    assert user_files_intact(written)


# -- rule 1: hand edits -------------------------------------------------------------------------------


def test_hand_edit_is_refused_with_a_diff_and_nothing_changes(written: Path) -> None:
    (written / "main.tf").write_text("# my tweak\n" + FILES["main.tf"])
    new = dict(FILES, **{"main.tf": FILES["main.tf"] + "# v2\n", "README.md": "# new readme\n"})
    before = snapshot(written)

    with pytest.raises(DriftError) as info:
        write_stack(new, written, V1, ANSWERS_A)

    err = info.value
    assert isinstance(err, OutputError)
    assert err.files == ["main.tf"]  # the README change alone would have been fine
    assert "-# my tweak" in err.diffs["main.tf"] and "+# v2" in err.diffs["main.tf"]
    assert err.diffs["main.tf"].startswith("--- a/main.tf\n+++ b/main.tf\n")
    text = err.format()
    assert "main.tf  edited by hand" in text and "--force" in text and "-# my tweak" in text
    assert snapshot(written) == before
    assert leftovers(written) == []


def test_force_overwrites_and_keeps_the_edit_as_orig(written: Path) -> None:
    edit = "# my tweak\n" + FILES["main.tf"]
    (written / "main.tf").write_text(edit)
    new = dict(FILES, **{"main.tf": FILES["main.tf"] + "# v2\n"})

    result = write_stack(new, written, V1, ANSWERS_A, force=True)

    assert result.updated == ("main.tf",)
    assert result.kept_as_orig == ("main.tf.orig",)
    assert (written / "main.tf").read_text() == new["main.tf"]
    assert (written / "main.tf.orig").read_text() == edit
    assert user_files_intact(written)
    # the .orig is now the team's file: later regenerations leave it alone
    again = write_stack(new, written, V1, ANSWERS_A)
    assert not again.changed and (written / "main.tf.orig").read_text() == edit
    # a second forced edit does not clobber the first .orig
    (written / "main.tf").write_text("second edit\n")
    third = write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert third.kept_as_orig == ("main.tf.orig.1",)
    assert (written / "main.tf.orig").read_text() == edit
    assert (written / "main.tf.orig.1").read_text() == "second edit\n"


def test_a_file_deleted_by_hand_is_not_silently_recreated(written: Path) -> None:
    (written / "modules/kms/outputs.tf").unlink()
    before = snapshot(written)

    with pytest.raises(DriftError) as info:
        write_stack(FILES, written, V1, ANSWERS_A)
    assert info.value.files == ["modules/kms/outputs.tf"]
    assert info.value.items[0].problem == "deleted by hand"
    assert info.value.diffs["modules/kms/outputs.tf"].startswith("--- /dev/null\n+++ b/modules/kms/outputs.tf")
    assert snapshot(written) == before

    result = write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert result.created == ("modules/kms/outputs.tf",)
    assert (written / "modules/kms/outputs.tf").read_text() == FILES["modules/kms/outputs.tf"]


def test_an_edit_that_matches_the_new_output_is_not_drift(written: Path) -> None:
    new = dict(FILES, **{"main.tf": FILES["main.tf"] + "# v2\n"})
    (written / "main.tf").write_text(new["main.tf"])  # someone applied the change by hand
    result = write_stack(new, written, V1, ANSWERS_A)
    assert "main.tf" in result.unchanged and result.kept_as_orig == ()


# -- rule 2: files guardform no longer generates ------------------------------------------------------


def test_a_file_no_longer_generated_is_removed_only_when_unedited(written: Path) -> None:
    without_macie = {k: v for k, v in FILES.items() if not k.startswith("modules/macie/")}
    result = write_stack(without_macie, written, V1, ANSWERS_A)
    assert result.removed == ("modules/macie/main.tf",)
    assert not (written / "modules/macie").exists()  # its folder went with it: it held nothing else
    assert user_files_intact(written)

    without_outputs = {k: v for k, v in without_macie.items() if k != "modules/kms/outputs.tf"}
    (written / "modules/kms/outputs.tf").write_text("# kept for the dashboards\n")
    before = snapshot(written)
    with pytest.raises(DriftError) as info:
        write_stack(without_outputs, written, V1, ANSWERS_A)
    assert info.value.files == ["modules/kms/outputs.tf"]
    assert "no longer generates" in info.value.items[0].problem
    assert info.value.diffs["modules/kms/outputs.tf"].endswith("-# kept for the dashboards\n")
    assert snapshot(written) == before

    forced = write_stack(without_outputs, written, V1, ANSWERS_A, force=True)
    assert forced.removed == ("modules/kms/outputs.tf",)
    assert forced.kept_as_orig == ("modules/kms/outputs.tf.orig",)
    assert not (written / "modules/kms/outputs.tf").exists()
    assert (written / "modules/kms/outputs.tf.orig").read_text() == "# kept for the dashboards\n"
    assert (written / "modules/kms/NOTES.md").exists()


def test_a_removed_file_the_user_already_deleted_is_fine(written: Path) -> None:
    (written / "modules/macie/main.tf").unlink()
    without_macie = {k: v for k, v in FILES.items() if not k.startswith("modules/macie/")}
    result = write_stack(without_macie, written, V1, ANSWERS_A)
    assert result.removed == () and result.changed


# -- rule 3: files guardform did not write ----------------------------------------------------------


def test_user_files_survive_every_kind_of_regeneration(out: Path) -> None:
    add_user_files(out, {k: v for k, v in USER_FILES.items() if not k.startswith("modules/")})
    write_stack(FILES, out, V1, ANSWERS_A)  # first write into a folder that already has user files
    add_user_files(out)
    assert user_files_intact(out)

    write_stack(FILES, out, V1, ANSWERS_A)  # identical
    assert user_files_intact(out)
    write_stack(changed(FILES, {"main.tf": "# changed\n"}), out, V2, ANSWERS_B)  # changed, new version
    assert user_files_intact(out)
    (out / "main.tf").write_text("hand edit\n")
    write_stack(FILES, out, V2, ANSWERS_B, force=True)  # forced over a hand edit
    assert user_files_intact(out)
    write_stack({k: v for k, v in FILES.items() if not k.startswith("modules/")}, out, V2, ANSWERS_B)
    assert user_files_intact(out)  # removal of generated modules, incl. the folder holding NOTES.md
    assert sorted(os.listdir(out / "modules")) == ["kms"]
    assert sorted(os.listdir(out / "modules/kms")) == ["NOTES.md"]
    assert (out / "notes").is_dir() and (out / ".terraform").is_dir()
    assert leftovers(out) == []


def test_a_generated_path_taken_by_a_user_file_is_a_conflict(out: Path) -> None:
    out.mkdir(parents=True)
    (out / "main.tf").write_text("# the team's own main.tf\n")
    (out / "README.md").write_text(FILES["README.md"])  # identical content: simply adopted
    before = snapshot(out)

    with pytest.raises(DriftError) as info:
        write_stack(FILES, out, V1, ANSWERS_A)
    assert info.value.files == ["main.tf"]
    assert info.value.items[0].problem == "exists but was not written by guardform"
    assert snapshot(out) == before

    result = write_stack(FILES, out, V1, ANSWERS_A, force=True)
    assert result.kept_as_orig == ("main.tf.orig",)
    assert "README.md" in result.unchanged and "main.tf" in result.updated
    assert (out / "main.tf.orig").read_text() == "# the team's own main.tf\n"
    assert (out / "main.tf").read_text() == FILES["main.tf"]


def test_symlinks_are_never_followed_out_of_the_folder(written: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared-modules"
    (elsewhere / "kms").mkdir(parents=True)
    (elsewhere / "kms/main.tf").write_text("# shared, not ours\n")
    shutil.rmtree(written / "modules")
    (written / "modules").symlink_to(elsewhere, target_is_directory=True)
    outside, before = snapshot(elsewhere), snapshot(written)

    with pytest.raises(DriftError) as info:
        write_stack(FILES, written, V1, ANSWERS_A)
    assert info.value.files == ["modules"]
    assert "symbolic link" in info.value.items[0].problem
    assert snapshot(written) == before and snapshot(elsewhere) == outside

    result = write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert result.kept_as_orig == ("modules.orig",)
    assert (written / "modules.orig").is_symlink()
    assert not (written / "modules").is_symlink()
    assert (written / "modules/kms/main.tf").read_text() == FILES["modules/kms/main.tf"]
    assert snapshot(elsewhere) == outside


def test_a_symlinked_stack_folder_is_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real" / "fraud-scoring"
    link = tmp_path / "modules_out" / "fraud-scoring"
    real.mkdir(parents=True)
    link.parent.mkdir()
    link.symlink_to(real, target_is_directory=True)
    write_stack(FILES, link, V1, ANSWERS_A)
    write_stack(changed(FILES, {"main.tf": "# v2\n"}), link, V1, ANSWERS_A)
    assert link.is_symlink() and (real / "main.tf").read_text() == "# v2\n"


# -- rule 4: atomicity and recovery -----------------------------------------------------------------


def test_stale_siblings_of_crashed_runs_are_cleaned_up_and_nothing_else(written: Path) -> None:
    parent = written.parent
    (parent / ".fraud-scoring.guardform-staging-4242").mkdir()
    (parent / ".fraud-scoring.guardform-staging-4242/main.tf").write_text("half")
    (parent / ".fraud-scoring.guardform-old-4243").mkdir()
    keep = [".fraud-scoring.guardform-staging-notapid", ".other.guardform-staging-1", "fraud-scoring.bak"]
    for name in keep:
        (parent / name).mkdir()
    write_stack(FILES, written, V1, ANSWERS_A)
    assert sorted(os.listdir(parent)) == sorted([*keep, "fraud-scoring"])


def test_a_second_writer_waits_for_the_first_and_says_so(written: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    fd = os.open(written.parent, os.O_RDONLY)
    messages: list[str] = []
    fcntl.flock(fd, fcntl.LOCK_EX)  # "the first guardform" holds the folder

    def on_progress(message: str) -> None:
        messages.append(message)
        os.close(fd)  # ... and finishes as soon as the second one starts waiting

    result = write_stack(changed(FILES, {"main.tf": "x\n"}), written, V1, ANSWERS_A, progress=on_progress)
    assert result.updated == ("main.tf",) and (written / "main.tf").read_text() == "x\n"
    assert len(messages) == 1 and "waiting" in messages[0] and str(written.parent) in messages[0]


def test_a_second_writer_gives_up_after_the_lock_timeout(written: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    fd = os.open(written.parent, os.O_RDONLY)
    messages: list[str] = []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match=r"another guardform has been writing in .* for 0.3 s"):
            write_stack(
                changed(FILES, {"main.tf": "x\n"}), written, V1, ANSWERS_A, lock_timeout=0.3, progress=messages.append
            )
    finally:
        os.close(fd)
    assert messages and "up to 0.3 s" in messages[0]
    assert (written / "main.tf").read_text() == FILES["main.tf"]


def _big_stack(version: str) -> dict[str, str]:
    """~200 files; the v2 stack changes every file, drops one module and adds another."""
    mods = range(20) if version == "v1" else [*range(19), 20]
    files = {
        f"modules/m{m:02d}/f{i}.tf": f'# {version}\nresource "null" "r{m}_{i}" {{}}\n' * 3
        for m in mods
        for i in range(10)
    }
    files["main.tf"] = f"# root {version}\n"
    return files


_CHILD = """
import json, sys
from wizard.output import write_stack
files = json.loads(open(sys.argv[2]).read())
print("ready", flush=True)
write_stack(files, sys.argv[1], sys.argv[3], sys.argv[4])
"""


def _run_writer(out: Path, files: dict[str, str], version: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    spec = out.parent / f"spec-{version}.json"
    spec.write_text(json.dumps(files))
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(out), str(spec), version, ANSWERS_A],
        cwd=REPO,
        env=full_env,
        stdout=subprocess.PIPE,
    )


def _wait_ready(proc: subprocess.Popen[bytes]) -> float:
    """Block until the writer has imported everything and is about to write; the moment it said so."""
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    return time.monotonic()


@pytest.fixture(scope="module")
def big_trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """A pristine old folder (v1 + user files) and the snapshots of the old and the new tree."""
    base = tmp_path_factory.mktemp("big")
    pristine = base / "pristine" / "stack"
    write_stack(_big_stack("v1"), pristine, V1, ANSWERS_A)
    add_user_files(pristine)
    reference = base / "reference" / "stack"
    shutil.copytree(pristine, reference, symlinks=True)
    write_stack(_big_stack("v2"), reference, V2, ANSWERS_A)
    old, new = snapshot(pristine), snapshot(reference)
    assert old != new and len(new) > 200
    return pristine, old, new


def _fresh_copy(pristine: Path, tmp_path: Path) -> Path:
    out = tmp_path / "modules_out" / "stack"
    out.parent.mkdir(parents=True)
    shutil.copytree(pristine, out, symlinks=True)
    return out


@pytest.mark.parametrize(
    ("crash", "no_renameat2", "expect"),
    [
        ("1", False, "old"),
        ("50", False, "old"),
        ("150", False, "old"),
        ("copied", False, "old"),
        ("staged", False, "old"),
        ("swapped", False, "new"),
        ("150", True, "old"),
        ("staged", True, "old"),
        ("moved-old", True, "old-after-recovery"),
        ("swapped", True, "new"),
    ],
)
def test_a_writer_killed_midway_leaves_the_old_or_the_new_tree(
    big_trees: tuple[Path, dict, dict], tmp_path: Path, crash: str, no_renameat2: bool, expect: str
) -> None:
    pristine, old, new = big_trees
    out = _fresh_copy(pristine, tmp_path)
    env = {"GUARDFORM_TEST_CRASH_AFTER": crash}
    if no_renameat2:
        env["GUARDFORM_TEST_NO_RENAMEAT2"] = "1"

    proc = _run_writer(out, _big_stack("v2"), V2, env)
    assert proc.wait(timeout=60) == 99  # it really died at that point

    if expect == "old-after-recovery":
        # between the two renames of the fallback the folder is briefly absent; the old tree is
        # complete beside it, and the next run (or recover()) puts it back before anything else
        assert not out.exists()
        report = check_stack(_big_stack("v2"), out, V2, ANSWERS_A)
        assert report.categories == ("missing",) and "interrupted write" in report.reasons[0].message
        (old_copy,) = [n for n in leftovers(out) if ".guardform-old-" in n]
        assert snapshot(out.parent / old_copy) == old
        assert recover(out) is True
        assert leftovers(out) == []  # recovery also removed the complete-but-unused new tree
        expect = "old"
    else:
        assert leftovers(out)  # the crash left its sibling behind
    assert snapshot(out) == (old if expect == "old" else new)

    check = check_stack(_big_stack("v2"), out, V2, ANSWERS_A)
    assert check.up_to_date is (expect == "new")

    # the next normal run recovers, cleans up and succeeds
    proc = _run_writer(out, _big_stack("v2"), V2, {})
    assert proc.wait(timeout=60) == 0
    assert snapshot(out) == new
    assert leftovers(out) == []


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_tree(
    big_trees: tuple[Path, dict, dict], tmp_path: Path
) -> None:
    pristine, old, new = big_trees
    rng = random.Random(20240611)
    # Kill times are drawn from the write alone (the interpreter's start-up, slow under load, is waited out).
    probe = _run_writer(_fresh_copy(pristine, tmp_path / "probe"), _big_stack("v2"), V2, {})
    start = _wait_ready(probe)
    assert probe.wait(timeout=60) == 0
    duration = time.monotonic() - start
    killed_mid_write = 0
    for attempt in range(20):
        out = _fresh_copy(pristine, tmp_path / f"kill{attempt}")
        proc = _run_writer(out, _big_stack("v2"), V2, {})
        _wait_ready(proc)
        time.sleep(rng.uniform(0.0, 1.1) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = snapshot(out)
        assert state in (old, new), f"attempt {attempt}: neither the old nor the new tree"
        killed_mid_write += bool(leftovers(out))
        write_stack(_big_stack("v2"), out, V2, ANSWERS_A)
        assert snapshot(out) == new and leftovers(out) == []
        if attempt >= 7 and killed_mid_write >= 2:
            break
    assert killed_mid_write >= 1, "no kill landed while the writer was working"


def test_a_half_written_file_of_a_crashed_run_is_not_taken_for_the_users(
    big_trees: tuple[Path, dict, dict], tmp_path: Path
) -> None:
    """A writer killed inside a file leaves that file only under its private part name in its staging
    folder: the next run removes it, and keeps nothing of it as FILE.orig (found by the SIGKILL test under
    load, when a kill landed between creating a file and writing it)."""
    pristine, _old, new = big_trees
    out = _fresh_copy(pristine, tmp_path)
    staging = out.parent / f".{out.name}.guardform-staging-4242"
    shutil.copytree(out, staging, copy_function=os.link)
    (staging / "modules" / "m03" / ".f7.tf.guardform-part").write_bytes(b"# v2\nresource")
    write_stack(_big_stack("v2"), out, V2, ANSWERS_A)
    assert snapshot(out) == new
    assert leftovers(out) == []
    assert not list(out.rglob("*.orig")) and not list(out.rglob("*.guardform-part"))


# -- rule 6: check mode ------------------------------------------------------------------------------


def test_check_passes_on_a_fresh_folder(written: Path) -> None:
    report = check_stack(FILES, written, V1, ANSWERS_A)
    assert report.up_to_date and report.reasons == () and report.diffs == {}
    assert "up to date" in report.format()


def test_check_reports_a_missing_folder_and_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "modules_out" / "fraud-scoring"
    report = check_stack(FILES, out, V1, ANSWERS_A)
    assert report.categories == ("missing",)
    assert not (tmp_path / "modules_out").exists()


def test_check_reports_a_folder_without_manifest(out: Path) -> None:
    out.mkdir(parents=True)
    (out / "main.tf").write_text(FILES["main.tf"])
    report = check_stack(FILES, out, V1, ANSWERS_A)
    assert report.categories == ("missing",)
    assert MANIFEST_NAME in report.reasons[0].message


@pytest.mark.parametrize(
    ("scenario", "categories"),
    [
        ("stale answers", ("stale answers",)),
        ("newer guardform", ("newer guardform",)),
        ("hand edit", ("hand edit",)),
        ("deleted by hand", ("hand edit",)),
        ("out of date", ("out of date",)),
        ("everything", ("stale answers", "newer guardform", "hand edit", "out of date")),
    ],
)
def test_check_explains_why_a_folder_is_stale_and_writes_nothing(
    written: Path, scenario: str, categories: tuple[str, ...]
) -> None:
    files, version, answers = dict(FILES), V1, ANSWERS_A
    if scenario in ("stale answers", "everything"):
        answers = ANSWERS_B
    if scenario in ("newer guardform", "everything"):
        version = V2
    if scenario in ("hand edit", "everything"):
        (written / "variables.tf").write_text("# tweaked\n")
    if scenario == "deleted by hand":
        (written / "variables.tf").unlink()
    if scenario in ("out of date", "everything"):
        files["modules/kms/main.tf"] += "# templates changed\n"
    before = snapshot(written)

    report = check_stack(files, written, version, answers)

    assert not report.up_to_date
    assert report.categories == categories
    assert snapshot(written) == before
    text = report.format()
    for category in categories:
        assert f"- {category}:" in text
    if "newer guardform" in categories:
        assert f"generated by guardform {V1}; this is guardform {V2}" in text
    if "hand edit" in categories:
        assert "variables.tf" in report.diffs
        assert report.reasons[categories.index("hand edit")].files[0].startswith("variables.tf (")
    if "out of date" in categories:
        assert "+# templates changed" in report.diffs["modules/kms/main.tf"]
        assert "modules/kms/main.tf" in report.reasons[categories.index("out of date")].files
    json.dumps(report.as_dict())  # serialisable for --format json


# -- rule 7: diff -------------------------------------------------------------------------------------


def test_diff_shows_what_a_regeneration_would_change(written: Path) -> None:
    assert diff_stack(FILES, written) == ""
    new = {k: v for k, v in FILES.items() if not k.startswith("modules/macie/")}
    new["main.tf"] = FILES["main.tf"].replace("./modules/kms", "./modules/keys")
    new["modules/s3/main.tf"] = 'resource "aws_s3_bucket" "this" {}\n'
    before = snapshot(written)

    diff = diff_stack(new, written)

    assert diff == (
        "--- a/main.tf\n"
        "+++ b/main.tf\n"
        "@@ -1,3 +1,3 @@\n"
        ' module "kms" {\n'
        '-  source = "./modules/kms"\n'
        '+  source = "./modules/keys"\n'
        " }\n"
        "--- a/modules/macie/main.tf\n"
        "+++ /dev/null\n"
        "@@ -1 +0,0 @@\n"
        '-resource "aws_macie2_account" "this" {}\n'
        "--- /dev/null\n"
        "+++ b/modules/s3/main.tf\n"
        "@@ -0,0 +1 @@\n"
        '+resource "aws_s3_bucket" "this" {}\n'
    )
    assert "backend.tf" not in diff and snapshot(written) == before


def test_diff_marks_a_missing_final_newline(written: Path) -> None:
    diff = diff_stack(dict(FILES, **{"README.md": "# no newline"}), written)
    assert diff.endswith("+# no newline\n\\ No newline at end of file\n")


# -- rule 8: path safety -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["/etc/passwd", "../outside.tf", "modules/../../x.tf", MANIFEST_NAME, "a//b.tf", "./main.tf", "a\\b", ""],
)
def test_unsafe_paths_are_refused_before_anything_is_written(out: Path, bad: str) -> None:
    for call in (
        lambda: write_stack({bad: "x", "main.tf": "y"}, out, V1, ANSWERS_A),
        lambda: check_stack({bad: "x"}, out, V1, ANSWERS_A),
        lambda: diff_stack({bad: "x"}, out),
    ):
        with pytest.raises(ValueError):
            call()
    assert not out.parent.exists()


def test_a_path_that_is_both_file_and_folder_is_refused(out: Path) -> None:
    with pytest.raises(ValueError, match="both a file and the folder"):
        write_stack({"modules": "x", "modules/kms/main.tf": "y"}, out, V1, ANSWERS_A)


def test_an_output_folder_that_is_a_file_or_a_reserved_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stack").write_text("not a folder")
    with pytest.raises(OutputError, match="not a folder"):
        write_stack(FILES, tmp_path / "stack", V1, ANSWERS_A)
    with pytest.raises(OutputError, match="reserved"):
        write_stack(FILES, tmp_path / ".x.guardform-staging-12", V1, ANSWERS_A)


def test_a_bad_answers_digest_is_refused(out: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        write_stack(FILES, out, V1, "not-a-digest")


def test_a_tampered_manifest_needs_force_and_cannot_point_outside(written: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    manifest["files"]["../../victim.txt"] = hashlib.sha256(b"keep me\n").hexdigest()
    (written / MANIFEST_NAME).write_text(json.dumps(manifest))
    before = snapshot(written)

    with pytest.raises(OutputError, match="cannot be trusted"):
        write_stack(FILES, written, V1, ANSWERS_A)
    assert snapshot(written) == before
    assert check_stack(FILES, written, V1, ANSWERS_A).categories == ("missing",)

    result = write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert result.changed and victim.read_text() == "keep me\n"
    assert check_stack(FILES, written, V1, ANSWERS_A).up_to_date


# -- property: user files always survive -------------------------------------------------------------

GEN_POOL = [
    "main.tf",
    "variables.tf",
    "README.md",
    "modules/kms/main.tf",
    "modules/kms/outputs.tf",
    "modules/s3/main.tf",
]
USER_POOL = ["backend.tf", "terraform.tfstate", ".terraform/providers/aws", "modules/kms/NOTES.md", "notes/x.md"]

_generation = st.fixed_dictionaries(
    {
        "files": st.dictionaries(st.sampled_from(GEN_POOL), st.sampled_from(["a\n", "b\n", "c"]), min_size=1),
        "edit": st.one_of(st.none(), st.sampled_from(GEN_POOL)),
        "delete": st.one_of(st.none(), st.sampled_from(GEN_POOL)),
        "force": st.booleans(),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    user=st.dictionaries(st.sampled_from(USER_POOL), st.binary(max_size=20)),
    generations=st.lists(_generation, min_size=1, max_size=4),
)
def test_property_user_files_survive_and_generated_files_match(user: dict[str, bytes], generations: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "modules_out" / "stack"
        out.mkdir(parents=True)
        add_user_files(out, user)
        for gen in generations:
            for key, action in (("edit", "edit"), ("delete", "delete")):
                target = out / gen[key] if gen[key] else None
                if target is not None and target.is_file():
                    if action == "edit":
                        target.write_text("hand edit\n")
                    else:
                        target.unlink()
            before = snapshot(out)
            try:
                write_stack(gen["files"], out, V1, ANSWERS_A, force=gen["force"])
            except DriftError:
                assert not gen["force"]
                assert snapshot(out) == before
            else:
                for rel, text in gen["files"].items():
                    assert (out / rel).read_text() == text
                recorded = json.loads((out / MANIFEST_NAME).read_text())["files"]
                assert sorted(recorded) == sorted(gen["files"])
                assert check_stack(gen["files"], out, V1, ANSWERS_A).up_to_date
            assert user_files_intact(out, user)
            assert leftovers(out) == []
