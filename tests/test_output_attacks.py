"""The attacks of issue 12 on the output stage, each reproduced: mounts inside the stack, files
written while guardform regenerates, forged manifests, ownership, leftovers, and inputs that used
to crash (deep manifests, symlink loops, overlong paths, unreadable files, a file at the stack path).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard import output
from wizard.output import MANIFEST_NAME, OutputError, check_stack, diff_stack, write_stack

from .test_output import ANSWERS_A, FILES, USER_FILES, V1, add_user_files, leftovers, seal_of, snapshot

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
OTHER_UID, OTHER_GID = 4321, 4322

needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (mounts, chown to another user, chattr)")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "modules_out" / "fraud-scoring"


@pytest.fixture
def written(out: Path) -> Path:
    write_stack(FILES, out, V1, ANSWERS_A)
    add_user_files(out)
    return out


def v2(files: dict[str, str] = FILES) -> dict[str, str]:
    return {**files, "main.tf": files["main.tf"] + "# v2\n"}


def at_point(monkeypatch: pytest.MonkeyPatch, actions: dict[str, Callable[[], None]]) -> None:
    """Run an action at a named moment of write_stack ("copied", "staged", "swapped")."""
    monkeypatch.setattr(output, "_test_point", lambda point: actions.get(point, lambda: None)())


def sealed(manifest: dict) -> str:
    doc = {k: v for k, v in manifest.items() if k != "seal"}
    return json.dumps({**doc, "seal": seal_of(doc)}, indent=2, sort_keys=True) + "\n"


# -- 1. mounts inside the stack ----------------------------------------------------------------------


@contextlib.contextmanager
def mounted(args: list[str], where: Path) -> Iterator[None]:
    if not IS_ROOT:
        pytest.skip("mounting needs root")
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", *args, str(where)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"mounting is not permitted here: {proc.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_tmpfs_mounted_inside_the_stack_is_refused_and_never_wiped(written: Path) -> None:
    plugins = written / ".terraform" / "plugin-cache"
    with mounted(["-t", "tmpfs", "guardform-test"], plugins):
        (plugins / "provider.bin").write_bytes(b"cached provider\n")
        before = snapshot(written)
        with pytest.raises(OutputError, match=r"holds a mounted filesystem .*plugin-cache.*Nothing was changed"):
            write_stack(v2(), written, V1, ANSWERS_A)
        assert snapshot(written) == before
        assert (plugins / "provider.bin").read_bytes() == b"cached provider\n"
        assert os.path.ismount(plugins)
        assert leftovers(written) == []


def test_a_bind_mount_of_an_outside_folder_is_refused_and_the_outside_is_intact(written: Path, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"  # same filesystem: st_dev alone cannot see this mount
    secrets.mkdir()
    (secrets / "token").write_text("s3cr3t\n")
    with mounted(["--bind", str(secrets)], written / "secrets"):
        with pytest.raises(OutputError, match="mounted filesystem"):
            write_stack(v2(), written, V1, ANSWERS_A)
        assert (written / "secrets" / "token").read_text() == "s3cr3t\n"
    assert (secrets / "token").read_text() == "s3cr3t\n"
    assert (written / "main.tf").read_text() == FILES["main.tf"]


def test_a_mount_stranded_in_a_leftover_is_not_wiped_and_is_named(written: Path, tmp_path: Path) -> None:
    stranded = written.parent / ".fraud-scoring.guardform-staging-4242"
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "keep").write_text("outside data\n")
    (stranded / "cache").mkdir(parents=True)
    with mounted(["--bind", str(cache)], stranded / "cache"):
        result = write_stack(v2(), written, V1, ANSWERS_A)
        assert result.updated == ("main.tf",)
        assert (cache / "keep").read_text() == "outside data\n"
        assert len(result.warnings) == 1 and str(stranded) in result.warnings[0]
        assert "mount point" in result.warnings[0] and "umount" in result.warnings[0]


def test_a_stack_folder_that_is_a_mount_point_is_refused(tmp_path: Path) -> None:
    stack = tmp_path / "modules_out" / "fraud-scoring"
    with mounted(["-t", "tmpfs", "guardform-test"], stack):
        (stack / "backend.tf").write_text("# on the mounted disk\n")
        with pytest.raises(OutputError, match=r"is a mount point.*one folder deeper"):
            write_stack(FILES, stack, V1, ANSWERS_A)
        assert os.listdir(stack) == ["backend.tf"] and leftovers(stack) == []


# -- 2. files written while guardform regenerates ---------------------------------------------------


def atomic_save(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".swp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_files_written_after_the_copy_step_survive(written: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def meanwhile() -> None:  # terraform init and an editor, between the copy and the swap
        (written / "backend.tf").write_text("# saved in place during the regeneration\n")
        (written / "override.tf").write_text("# created during the regeneration\n")
        atomic_save(written / "notes" / "decisions.md", b"edited while guardform ran\n")
        (written / ".terraform" / "modules").mkdir()
        (written / ".terraform" / "modules" / "modules.json").write_text("{}\n")
        (written / "modules" / "kms" / "NOTES.md").unlink()  # a deletion is kept too

    at_point(monkeypatch, {"staged": meanwhile})
    result = write_stack(v2(), written, V1, ANSWERS_A)

    assert (written / "main.tf").read_text() == v2()["main.tf"]
    assert (written / "backend.tf").read_text() == "# saved in place during the regeneration\n"
    assert (written / "override.tf").read_text() == "# created during the regeneration\n"
    assert (written / "notes/decisions.md").read_text() == "edited while guardform ran\n"
    assert (written / ".terraform/modules/modules.json").read_text() == "{}\n"
    assert not (written / "modules/kms/NOTES.md").exists()
    assert set(result.carried) >= {"override.tf", "notes/decisions.md", ".terraform/modules/modules.json"}
    assert result.warnings == () and leftovers(written) == []


def test_a_process_working_inside_the_old_folder_after_the_swap_loses_nothing(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = os.open(written / ".terraform", os.O_RDONLY)  # like `terraform init` with its cwd in the stack

    def after_swap() -> None:
        fd = os.open("terraform.tfstate.backup", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=held)
        os.write(fd, b"written into the old folder\n")
        os.close(fd)

    at_point(monkeypatch, {"swapped": after_swap})
    try:
        write_stack(v2(), written, V1, ANSWERS_A)
    finally:
        os.close(held)
    assert (written / ".terraform/terraform.tfstate.backup").read_bytes() == b"written into the old folder\n"
    assert stat.S_IMODE(os.stat(written / ".terraform/terraform.tfstate.backup").st_mode) == 0o600
    assert leftovers(written) == []


def test_a_generated_file_saved_during_the_regeneration_is_kept_as_orig(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_point(monkeypatch, {"staged": lambda: atomic_save(written / "main.tf", b"# my edit, mid-run\n")})
    result = write_stack(v2(), written, V1, ANSWERS_A)
    assert (written / "main.tf").read_text() == v2()["main.tf"]
    assert (written / "main.tf.orig").read_text() == "# my edit, mid-run\n"
    assert ("main.tf", "main.tf.orig") in result.kept


def _big(version: str) -> dict[str, str]:
    return {f"modules/m{m:02d}/f{i}.tf": f"# {version} {m} {i}\n" * 20 for m in range(15) for i in range(10)}


@pytest.mark.parametrize("swap", ["renameat2", "rename fallback"])
def test_a_concurrent_writer_thread_loses_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    if swap == "rename fallback":
        monkeypatch.setenv("GUARDFORM_TEST_NO_RENAMEAT2", "1")
    stack = tmp_path / "modules_out" / "stack"
    write_stack(_big("v1"), stack, V1, ANSWERS_A)
    saved: dict[str, bytes] = {}
    stop = threading.Event()
    progress = threading.Condition()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            rel = f"user/file-{n}.txt" if n % 2 else f"file-{n}.txt"
            data = f"user data {n}\n".encode()
            try:
                (stack / "user").mkdir(exist_ok=True)
                atomic_save(stack / rel, data)
            except OSError:
                continue  # the folder moved under it mid-save: the writer saw an error, nothing silent
            with progress:
                saved[rel] = data
                progress.notify_all()

    def let_it_write(count: int = 25) -> None:
        with progress:
            goal = len(saved) + count
            assert progress.wait_for(lambda: len(saved) >= goal, timeout=30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        at_point(monkeypatch, {"copied": let_it_write, "staged": let_it_write, "swapped": let_it_write})
        result = write_stack(_big("v2"), stack, V1, ANSWERS_A)
    finally:
        stop.set()
        thread.join()
    assert len(saved) >= 75
    lost = [rel for rel, data in saved.items() if not (stack / rel).is_file() or (stack / rel).read_bytes() != data]
    assert lost == []
    assert all((stack / rel).read_text() == text for rel, text in _big("v2").items())
    assert result.warnings == () and leftovers(stack) == []


# -- 3. what proves guardform wrote a file -----------------------------------------------------------


def test_a_manifest_entry_added_by_hand_does_not_make_a_user_file_removable(written: Path) -> None:
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    manifest["files"]["backend.tf"] = hashlib.sha256(USER_FILES["backend.tf"]).hexdigest()
    (written / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    with pytest.raises(OutputError, match="cannot be trusted: it was changed by hand"):
        write_stack(FILES, written, V1, ANSWERS_A)
    assert check_stack(FILES, written, V1, ANSWERS_A).categories == ("missing",)
    result = write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert result.removed == ()
    assert (written / "backend.tf").read_bytes() == USER_FILES["backend.tf"]


def test_a_manifest_copied_from_another_stack_is_not_trusted(written: Path, tmp_path: Path) -> None:
    other = tmp_path / "modules_out" / "other-stack"
    write_stack({**FILES, "backend.tf": USER_FILES["backend.tf"].decode()}, other, V1, ANSWERS_A)
    shutil.copy(other / MANIFEST_NAME, written / MANIFEST_NAME)
    with pytest.raises(OutputError, match="written for the stack folder 'other-stack'"):
        write_stack(FILES, written, V1, ANSWERS_A)
    write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert (written / "backend.tf").read_bytes() == USER_FILES["backend.tf"]


def test_a_user_file_identical_to_a_generated_one_is_never_removed_later(out: Path) -> None:
    out.mkdir(parents=True)
    (out / "README.md").write_text(FILES["README.md"])  # the team's own README, same text
    first = write_stack(FILES, out, V1, ANSWERS_A)
    assert "README.md" in first.unchanged
    assert "README.md" not in json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert check_stack(FILES, out, V1, ANSWERS_A).up_to_date

    without = {k: v for k, v in FILES.items() if k != "README.md"}
    result = write_stack(without, out, V1, ANSWERS_A)
    assert result.removed == ()
    assert (out / "README.md").read_text() == FILES["README.md"]

    # --force takes it over: from then on it is guardform's
    write_stack(FILES, out, V1, ANSWERS_A, force=True)
    assert "README.md" in json.loads((out / MANIFEST_NAME).read_text())["files"]


def test_a_manifest_listing_a_folder_never_moves_the_users_files(written: Path) -> None:
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("modules/")}
    manifest["files"]["modules"] = hashlib.sha256(b"x").hexdigest()  # sealed correctly: only the rule protects
    (written / MANIFEST_NAME).write_text(sealed(manifest))
    without_modules = {k: v for k, v in FILES.items() if not k.startswith("modules/")}

    result = write_stack(without_modules, written, V1, ANSWERS_A, force=True)

    assert result.kept_as_orig == () and result.removed == ()
    assert not (written / "modules.orig").exists()
    assert (written / "modules/kms/NOTES.md").read_bytes() == USER_FILES["modules/kms/NOTES.md"]


def test_a_manifest_entry_at_a_symlink_never_touches_the_link(written: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.tf").write_text("# not ours\n")
    (written / "shared.tf").symlink_to(tmp_path / "elsewhere.tf")
    manifest = json.loads((written / MANIFEST_NAME).read_text())
    manifest["files"]["shared.tf"] = hashlib.sha256(b"# not ours\n").hexdigest()
    (written / MANIFEST_NAME).write_text(sealed(manifest))
    write_stack(FILES, written, V1, ANSWERS_A, force=True)
    assert (written / "shared.tf").is_symlink() and not (written / "shared.tf.orig").exists()
    assert (tmp_path / "elsewhere.tf").read_text() == "# not ours\n"


# -- 4. owner, group and mode ------------------------------------------------------------------------


def owners(root: Path) -> dict[str, tuple[int, int, int]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            st = os.lstat(Path(dirpath, name))
            found[Path(dirpath, name).relative_to(root).as_posix()] = (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
    return found


@needs_root
def test_root_regenerating_a_users_stack_keeps_owner_group_and_mode(written: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(written):
        for name in [*dirnames, *filenames, ""]:
            os.chown(Path(dirpath, name), OTHER_UID, OTHER_GID)
    os.chown(written, OTHER_UID, OTHER_GID)
    os.chmod(written / ".terraform", 0o750)
    os.chmod(written / "main.tf", 0o640)
    before = owners(written)

    new = {**v2(), "modules/s3/main.tf": 'resource "aws_s3_bucket" "this" {}\n'}
    write_stack(new, written, V1, ANSWERS_A)

    after = owners(written)
    for rel, was in before.items():
        if rel in after:
            assert after[rel] == was, rel
    assert after["modules/s3"][:2] == (OTHER_UID, OTHER_GID)  # new folders and files: the stack's owner
    assert after["modules/s3/main.tf"][:2] == (OTHER_UID, OTHER_GID)
    assert os.stat(written).st_uid == OTHER_UID


@needs_root
def test_the_copy_fallback_keeps_hard_links_and_owners(written: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (written / "notes" / "alias.md").hardlink_to(written / "notes" / "decisions.md")
    os.chown(written / "notes" / "decisions.md", OTHER_UID, OTHER_GID)
    real_link = os.link

    def no_links_from_the_stack(src: object, dst: object, *args: object, **kwargs: object) -> None:
        if str(src).startswith(str(written) + "/"):
            raise OSError(errno.EPERM, "Operation not permitted")  # protected_hardlinks, a FAT disk...
        real_link(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", no_links_from_the_stack)
    write_stack(v2(), written, V1, ANSWERS_A)
    a, b = os.stat(written / "notes/decisions.md"), os.stat(written / "notes/alias.md")
    assert (a.st_ino, a.st_nlink) == (b.st_ino, 2)
    assert (a.st_uid, a.st_gid) == (OTHER_UID, OTHER_GID)
    assert (written / "notes/decisions.md").read_bytes() == USER_FILES["notes/decisions.md"]
    assert leftovers(written) == []


@needs_root
def test_an_immutable_file_in_the_stack_is_refused_before_anything_changes(written: Path) -> None:
    target = written / "terraform.tfstate"
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported on this filesystem")
    try:
        before = snapshot(written)
        with pytest.raises(OutputError, match=r"is immutable \(chattr \+i\).*chattr -i"):
            write_stack(v2(), written, V1, ANSWERS_A)
        assert snapshot(written) == before and leftovers(written) == []
    finally:
        subprocess.run(["chattr", "-i", str(target)], capture_output=True)


# -- 5. leftovers that cannot be removed --------------------------------------------------------------


def test_an_old_folder_that_cannot_be_deleted_is_reported_by_name(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_unlink = os.unlink

    def stubborn(path: object, *args: object, **kwargs: object) -> None:
        if str(path).startswith("terraform.tfstate"):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "unlink", stubborn)
    result = write_stack(v2(), written, V1, ANSWERS_A)
    assert (written / "main.tf").read_text() == v2()["main.tf"]
    (left,) = leftovers(written)
    assert len(result.warnings) == 1
    assert str(written.parent / left) in result.warnings[0] and "delete it" in result.warnings[0]
    assert "Operation not permitted" in result.warnings[0]

    # the next run still works and names it again; once it can be removed, it is
    second = write_stack(FILES, written, V1, ANSWERS_A)
    assert second.changed and str(written.parent / left) in second.warnings[0]
    monkeypatch.setattr(os, "unlink", real_unlink)
    third = write_stack(v2(), written, V1, ANSWERS_A)
    assert third.warnings == () and leftovers(written) == []
    assert (written / "terraform.tfstate").read_bytes() == USER_FILES["terraform.tfstate"]


# -- 6. inputs that used to crash ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, b'{"tool": "guardform", "files": {}, "x": ' + b"9" * 5000 + b"}"],
    ids=["100k-deep", "5000-digit"],
)
def test_a_pathological_manifest_is_a_clear_error(written: Path, content: bytes) -> None:
    (written / MANIFEST_NAME).write_bytes(content)
    with pytest.raises(OutputError, match="cannot be trusted"):
        write_stack(FILES, written, V1, ANSWERS_A)
    assert check_stack(FILES, written, V1, ANSWERS_A).categories == ("missing",)
    assert diff_stack(FILES, written) == ""


def test_a_symlink_loop_at_the_stack_path_is_a_clear_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    for call in (
        lambda: write_stack(FILES, a, V1, ANSWERS_A),
        lambda: check_stack(FILES, a, V1, ANSWERS_A),
        lambda: diff_stack(FILES, a),
        lambda: write_stack(FILES, a / "stack", V1, ANSWERS_A),
    ):
        with pytest.raises(OutputError, match="loops"):
            call()


def test_a_dangling_stack_symlink_is_refused_and_nothing_is_created_outside(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stack").symlink_to(tmp_path / "elsewhere" / "stack")
    with pytest.raises(OutputError, match="does not exist; guardform does not create a stack folder through a link"):
        write_stack(FILES, tmp_path / "out" / "stack", V1, ANSWERS_A)
    assert not (tmp_path / "elsewhere").exists()


def test_names_and_paths_too_long_for_the_system_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="allows at most 255 per name"):
        write_stack(FILES, tmp_path / ("x" * 256) / "stack", V1, ANSWERS_A)
    with pytest.raises(OutputError, match=r"guardform needs .* more for its temporary folder"):
        write_stack(FILES, tmp_path / ("s" * 240), V1, ANSWERS_A)
    deep = tmp_path.joinpath(*["d" * 200] * 25) / "stack"
    for call in (
        lambda: write_stack(FILES, deep, V1, ANSWERS_A),
        lambda: check_stack(FILES, deep, V1, ANSWERS_A),
        lambda: diff_stack(FILES, deep),
    ):
        with pytest.raises(OutputError, match="this system allows at most"):
            call()
    assert os.listdir(tmp_path) == []


def test_a_file_at_the_stack_path_is_a_clear_error_in_every_mode(tmp_path: Path) -> None:
    (tmp_path / "stack").write_text("a file\n")
    for call in (
        lambda: write_stack(FILES, tmp_path / "stack", V1, ANSWERS_A),
        lambda: check_stack(FILES, tmp_path / "stack", V1, ANSWERS_A),
        lambda: diff_stack(FILES, tmp_path / "stack"),
    ):
        with pytest.raises(OutputError, match="exists and is not a folder"):
            call()
    (tmp_path / "out").write_text("a file\n")
    with pytest.raises(OutputError, match="is not a folder"):
        write_stack(FILES, tmp_path / "out" / "stack", V1, ANSWERS_A)


def _as_other_user(fn: Callable[[], object]) -> object:
    """Run fn in a child process as an unprivileged user; return its result or the exception."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(rd)
            os.setgroups([])
            os.setgid(OTHER_GID)
            os.setuid(OTHER_UID)
            try:
                value: object = fn()
            except BaseException as exc:
                value = exc
            try:
                data = pickle.dumps(value)
            except Exception:
                data = pickle.dumps(RuntimeError(f"{type(value).__name__}: {value}"))
            os.write(wr, data)
        finally:
            os._exit(0)
    os.close(wr)
    with os.fdopen(rd, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp folders are private to root)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="guardform-test-", dir="/tmp"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


@needs_root
def test_an_unreadable_file_is_a_clear_output_error(public_tmp: Path) -> None:
    written = public_tmp / "modules_out" / "fraud-scoring"
    write_stack(FILES, written, V1, ANSWERS_A)
    for dirpath, dirnames, filenames in os.walk(public_tmp):
        for name in [*dirnames, *filenames, ""]:
            os.chown(Path(dirpath, name), OTHER_UID, OTHER_GID)
    os.chown(written / "main.tf", 0, 0)
    os.chmod(written / "main.tf", 0o600)
    for fn in (
        lambda: write_stack(v2(), written, V1, ANSWERS_A),
        lambda: check_stack(FILES, written, V1, ANSWERS_A),
        lambda: diff_stack(FILES, written),
    ):
        err = _as_other_user(fn)
        assert isinstance(err, OutputError), err
        assert "main.tf" in str(err) and "Permission denied" in str(err)


@needs_root
def test_a_folder_whose_owner_cannot_be_kept_is_refused_before_anything_changes(public_tmp: Path) -> None:
    written = public_tmp / "modules_out" / "fraud-scoring"
    write_stack(FILES, written, V1, ANSWERS_A)
    add_user_files(written)
    for dirpath, dirnames, filenames in os.walk(public_tmp):
        for name in [*dirnames, *filenames, ""]:
            os.chown(Path(dirpath, name), OTHER_UID, OTHER_GID)
    for dirpath, dirnames, filenames in os.walk(written / ".terraform"):  # root's provider cache
        for name in [*dirnames, *filenames, ""]:
            os.chown(Path(dirpath, name), 0, 0)
    before = snapshot(written)
    err = _as_other_user(lambda: write_stack(v2(), written, V1, ANSWERS_A))
    assert isinstance(err, OutputError), err
    assert "cannot keep the owner of" in str(err) and ".terraform" in str(err) and "Nothing was changed" in str(err)
    assert snapshot(written) == before and leftovers(written) == []


def test_the_kept_message_names_the_edited_file_not_its_orig(tmp_path: Path) -> None:
    from wizard.cli import cli

    example = ROOT / "examples" / "internal-training.yaml"
    args = ["generate", "--answers", str(example), "--out", str(tmp_path), "--no-scan", "--force"]
    stack = tmp_path / "churn-model"
    assert CliRunner().invoke(cli, args).exit_code == 0
    for n in range(3):
        (stack / "main.tf").write_text(f"# edit {n}\n")
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert f"kept your edited main.tf as {stack / 'main.tf.orig.2'}" in result.output


@pytest.mark.parametrize("mode", ["--check", "diff"])
def test_check_and_diff_report_output_errors_without_a_traceback(tmp_path: Path, mode: str) -> None:
    from wizard.cli import cli

    example = ROOT / "examples" / "internal-training.yaml"
    (tmp_path / "churn-model").write_text("a file where the stack goes\n")
    if mode == "diff":
        args = ["diff", "--answers", str(example), "--out", str(tmp_path)]
    else:
        args = ["generate", "--answers", str(example), "--out", str(tmp_path), "--check"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "exists and is not a folder" in result.output


def test_the_cli_names_a_leftover_it_could_not_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.cli import cli

    example = ROOT / "examples" / "internal-training.yaml"
    args = ["generate", "--answers", str(example), "--out", str(tmp_path), "--no-scan"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    stack = tmp_path / "churn-model"
    (stack / "terraform.tfstate").write_text("{}\n")
    manifest = json.loads((stack / MANIFEST_NAME).read_text())
    manifest["tool_version"] = "0.0.1"  # an older guardform wrote it: regenerating rewrites the manifest
    (stack / MANIFEST_NAME).write_text(sealed(manifest))
    real_unlink = os.unlink

    def stubborn(path: object, *a: object, **kw: object) -> None:
        if str(path).startswith("terraform.tfstate"):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_unlink(path, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "unlink", stubborn)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (left,) = leftovers(stack)
    assert f"guardform: warning: the previous copy of {stack} could not be removed and is left in" in result.output
    assert str(tmp_path / left) in result.output
