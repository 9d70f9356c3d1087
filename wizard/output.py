"""Write a generated stack to its folder safely: manifest, drift refusal, atomic swap, check mode.

guardform writes one stack (``{relative_path: text}`` from render.py) into one folder that a team
commits and regenerates for years. This module is the only code that touches that folder.

The manifest
    ``.guardform.manifest.json`` inside the folder records the guardform version, the sha256 of the
    canonical answers and the sha256 of every file guardform wrote. It is deterministic (sorted keys,
    2-space indent, trailing newline, no timestamps): the same inputs give a byte-identical manifest.

Rules (see docs/regeneration.md for the user-facing version)
    1. A manifest-listed file whose content no longer matches its recorded sha256 was edited by hand;
       a manifest-listed file that is gone was deleted by hand. Either is *drift*: `write_stack`
       raises `DriftError` (file list and a unified diff per file) and changes nothing. With
       ``force=True`` an edited file is overwritten and the edit kept beside it as ``FILE.orig``; a
       deleted one is re-created.
    2. A file guardform wrote before and no longer generates is removed only if unedited. An edited
       one is drift; with force it is kept as ``FILE.orig`` and the original removed.
    3. Files guardform did not write (not in the manifest) are never modified or removed. A generated
       path that would overwrite such a file (or a symlink, or a directory in the way) is a conflict,
       reported like drift; with force the existing entry is kept as ``FILE.orig``.
       A file on disk that already holds exactly the content guardform would write is never drift.
    4. The folder is replaced atomically: the complete new folder (user files hard-linked or copied,
       generated files applied, manifest written, everything fsynced) is built in a sibling folder
       ``.<name>.guardform-staging-<pid>`` and then swapped in with ``renameat2(RENAME_EXCHANGE)`` on
       Linux. Elsewhere (or when the filesystem refuses the exchange) the old folder is first renamed
       to ``.<name>.guardform-old-<pid>`` and the new one renamed into place; if a crash lands between
       those two renames, the next write (or `recover`) puts the old folder back. Leftover siblings of
       crashed runs, and only those names, are removed at the start of every write.
    5. Writing identical content touches nothing and reports every file as unchanged.

Test-only hooks (environment variables; never set them outside the test suite)
    ``GUARDFORM_TEST_CRASH_AFTER``
        An integer N: the writer calls ``os._exit(99)`` right after its N-th staged file write
        (generated files and the manifest count). Or a named point: ``copied`` (old folder copied
        into staging), ``staged`` (staging complete and fsynced, before the swap), ``moved-old``
        (fallback swap only: old folder renamed away, new one not yet in place), ``swapped`` (new
        folder in place, old copy not yet deleted).
    ``GUARDFORM_TEST_NO_RENAMEAT2``
        Non-empty: do not use ``renameat2``; exercise the rename-away/rename-in fallback.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wizard.errors import GuardformError

__all__ = [
    "CATEGORIES",
    "MANIFEST_NAME",
    "DriftError",
    "DriftItem",
    "OutputError",
    "StaleReason",
    "StaleReport",
    "WriteResult",
    "check_stack",
    "diff_stack",
    "recover",
    "write_stack",
]

MANIFEST_NAME = ".guardform.manifest.json"
TOOL = "guardform"

CRASH_ENV = "GUARDFORM_TEST_CRASH_AFTER"
NO_RENAMEAT2_ENV = "GUARDFORM_TEST_NO_RENAMEAT2"
_CRASH_EXIT = 99

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2

_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")

#: The reasons `check_stack` can give, in the order it reports them.
CATEGORIES: tuple[str, ...] = ("missing", "stale answers", "newer guardform", "hand edit", "out of date")

Category = Literal["missing", "stale answers", "newer guardform", "hand edit", "out of date"]


# --------------------------------------------------------------------------------------------------
# Errors and results
# --------------------------------------------------------------------------------------------------


class OutputError(GuardformError):
    """guardform refused to write (or could not write) the output folder."""


@dataclass(frozen=True)
class DriftItem:
    """One path that stops a regeneration: what is wrong with it and the diff disk -> new."""

    path: str
    problem: str
    diff: str


class DriftError(OutputError):
    """Files were changed by hand since guardform wrote them, or a generated path is taken.

    ``files`` lists the paths (sorted); ``diffs`` maps each to a unified diff from what is on disk
    to what guardform would write now; ``items`` adds the problem for each path.
    """

    def __init__(self, out_dir: Path, items: list[DriftItem]) -> None:
        self.out_dir = out_dir
        self.items: tuple[DriftItem, ...] = tuple(sorted(items, key=lambda i: i.path))
        self.files: list[str] = [i.path for i in self.items]
        self.diffs: dict[str, str] = {i.path: i.diff for i in self.items}
        super().__init__(f"{len(self.files)} file(s) in {out_dir} changed by hand: {', '.join(self.files)}")

    def format(self, *, diffs: bool = True) -> str:
        """Human-readable refusal: the files, what to do, and (by default) the diffs."""
        width = max(len(p) for p in self.files)
        lines = [
            f"guardform refused to write {self.out_dir}: {len(self.files)} file(s) changed since guardform wrote them:",
            *(f"  {i.path.ljust(width)}  {i.problem}" for i in self.items),
            "",
            "Generated files are overwritten on every regeneration: change the answers instead.",
            "To regenerate anyway, run again with --force: each edited file is kept beside the new one as FILE.orig.",
        ]
        text = "\n".join(lines) + "\n"
        if diffs:
            text += "\n" + "".join(i.diff for i in self.items)
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "files": [{"path": i.path, "problem": i.problem, "diff": i.diff} for i in self.items],
        }


@dataclass(frozen=True)
class WriteResult:
    """What `write_stack` did. Every list holds paths relative to ``out_dir``, sorted."""

    out_dir: Path
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept_as_orig: tuple[str, ...] = ()
    manifest_written: bool = False

    @property
    def changed(self) -> bool:
        """False when the folder was left untouched (identical content and manifest)."""
        return self.manifest_written

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "created": list(self.created),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "removed": list(self.removed),
            "kept_as_orig": list(self.kept_as_orig),
            "manifest_written": self.manifest_written,
        }


@dataclass(frozen=True)
class StaleReason:
    category: Category
    message: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaleReport:
    """Result of `check_stack`: up to date or not, one reason per category, per-file diffs."""

    out_dir: Path
    reasons: tuple[StaleReason, ...] = ()
    diffs: Mapping[str, str] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return not self.reasons

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(r.category for r in self.reasons)

    def format(self, *, diffs: bool = True) -> str:
        if self.up_to_date:
            return f"{self.out_dir} is up to date.\n"
        lines = [f"{self.out_dir} is not up to date:"]
        for r in self.reasons:
            lines.append(f"  - {r.category}: {r.message}")
            lines.extend(f"      {p}" for p in r.files)
        lines.append("Regenerate it with `guardform generate` and commit the result.")
        text = "\n".join(lines) + "\n"
        if diffs and self.diffs:
            text += "\n" + "".join(self.diffs[p] for p in sorted(self.diffs))
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "up_to_date": self.up_to_date,
            "reasons": [{"category": r.category, "message": r.message, "files": list(r.files)} for r in self.reasons],
            "diffs": {p: self.diffs[p] for p in sorted(self.diffs)},
        }


# --------------------------------------------------------------------------------------------------
# Validation, hashing, manifest
# --------------------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_rel(path: object, what: str = "generated path") -> str:
    """A safe relative posix path inside the folder, or ValueError."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"{what} must be a non-empty string, got {path!r}")
    if "\\" in path or "\0" in path:
        raise ValueError(f"{what} {path!r} contains a backslash or NUL")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise ValueError(f"{what} {path!r} is absolute")
    parts = path.split("/")
    if ".." in parts:
        raise ValueError(f"{what} {path!r} contains '..'")
    if any(p in ("", ".") for p in parts):
        raise ValueError(f"{what} {path!r} is not a normalised relative path")
    if path == MANIFEST_NAME:
        raise ValueError(f"{what} {path!r} is the manifest, which guardform writes itself")
    return path


def _check_files(files: Mapping[str, str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path, text in files.items():
        _check_rel(path)
        if not isinstance(text, str):
            raise ValueError(f"content of {path!r} must be str, got {type(text).__name__}")
        out[path] = text.encode("utf-8")
    for path in out:
        parts = path.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in out:
                raise ValueError(f"generated path {prefix!r} is both a file and the folder of {path!r}")
    return out


def _check_meta(tool_version: str, answers_digest: str) -> str:
    if not isinstance(tool_version, str) or not tool_version.strip():
        raise ValueError("tool_version must be a non-empty string")
    if not isinstance(answers_digest, str) or not _SHA256_RE.fullmatch(answers_digest):
        raise ValueError(f"answers_digest must be a sha256 hex digest, got {answers_digest!r}")
    return answers_digest.lower()


def _manifest_bytes(tool_version: str, answers_digest: str, files: Mapping[str, bytes]) -> bytes:
    doc = {
        "tool": TOOL,
        "tool_version": tool_version,
        "answers_sha256": answers_digest,
        "files": {p: _sha256(files[p]) for p in sorted(files)},
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True)
class _Manifest:
    tool_version: str
    answers_sha256: str
    files: dict[str, str]


class _BadManifest(Exception):
    pass


def _parse_manifest(data: bytes) -> _Manifest:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadManifest(f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("tool") != TOOL:
        raise _BadManifest('not a guardform manifest (no "tool": "guardform")')
    version, answers, files = doc.get("tool_version"), doc.get("answers_sha256"), doc.get("files")
    if not isinstance(version, str) or not isinstance(answers, str) or not isinstance(files, dict):
        raise _BadManifest("tool_version, answers_sha256 or files is missing or of the wrong type")
    for path, digest in files.items():
        try:
            _check_rel(path, "manifest path")
        except ValueError as exc:
            raise _BadManifest(str(exc)) from None
        if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest):
            raise _BadManifest(f"entry {path!r} has no valid sha256")
    return _Manifest(version, answers, {p: d.lower() for p, d in files.items()})


# --------------------------------------------------------------------------------------------------
# Reading the folder without following symlinks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Disk:
    """What is at a relative path: missing, a regular file (with its bytes), or something else."""

    kind: Literal["missing", "file", "other"]
    data: bytes = b""
    problem: str = ""
    #: for "other": the path component that is in the way (the path itself or a parent)
    blocker: str = ""


_MISSING = _Disk("missing")


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _probe(root: Path, rel: str) -> _Disk:
    parts = rel.split("/")
    cur = root
    for i, part in enumerate(parts):
        cur = cur / part
        prefix = "/".join(parts[: i + 1])
        try:
            st = os.lstat(cur)
        except (FileNotFoundError, NotADirectoryError):
            return _MISSING
        last = i == len(parts) - 1
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(cur)
            what = "replaced by a symbolic link" if last else f"{prefix} is a symbolic link"
            return _Disk("other", problem=f"{what} (-> {target})", blocker=prefix)
        if last:
            if stat.S_ISREG(st.st_mode):
                return _Disk("file", data=_read_nofollow(cur))
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a special file"
            return _Disk("other", problem=f"is {kind}", blocker=prefix)
        if not stat.S_ISDIR(st.st_mode):
            return _Disk("other", problem=f"{prefix} is not a directory", blocker=prefix)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------------------


def _text_lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def _unified(path: str, old: bytes | None, new: bytes | None) -> str:
    """git-style unified diff of one file; None means absent (/dev/null)."""
    a = "/dev/null" if old is None else f"a/{path}"
    b = "/dev/null" if new is None else f"b/{path}"
    old_b, new_b = old or b"", new or b""
    if b"\0" in old_b or b"\0" in new_b:
        return f"Binary files {a} and {b} differ\n"
    out: list[str] = []
    for line in difflib.unified_diff(_text_lines(old_b), _text_lines(new_b), a, b, lineterm="\n"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    if not out:  # e.g. an empty file created or removed
        out = [f"--- {a}\n", f"+++ {b}\n"]
    return "".join(out)


def _disk_diff(path: str, disk: _Disk, new: bytes | None) -> str:
    if disk.kind == "other":
        note = f"# a/{disk.blocker} {disk.problem}; guardform does not write through it\n"
        return note + (_unified(path, None, new) if new is not None else "")
    return _unified(path, disk.data if disk.kind == "file" else None, new)


# --------------------------------------------------------------------------------------------------
# Planning: compare the folder, its manifest and the new files
# --------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    target: Path
    new_files: dict[str, bytes]
    manifest: _Manifest | None
    manifest_problem: str  # "" | "absent" | "folder absent" | reason it is unreadable
    manifest_bytes: bytes
    old_manifest_bytes: bytes | None
    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    #: paths (or blocking parents) whose current entry is kept as .orig when forced
    keep: list[str] = field(default_factory=list)
    drift: list[DriftItem] = field(default_factory=list)
    #: per-path diffs of everything a regeneration would change
    diffs: dict[str, str] = field(default_factory=dict)
    #: categories for check mode
    hand_edited: list[str] = field(default_factory=list)
    out_of_date: list[str] = field(default_factory=list)

    @property
    def noop(self) -> bool:
        return (
            not (self.create or self.update or self.remove or self.keep)
            and self.old_manifest_bytes == self.manifest_bytes
        )


_SIBLING_RE = re.compile(r"\.guardform-(staging|old)-\d+$")


@contextlib.contextmanager
def _os_errors(what: str) -> Iterator[None]:
    """Report filesystem failures as OutputError (ValueError and OutputError pass through)."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot {what}: {exc}") from exc


def _resolve_target(out_dir: str | os.PathLike[str]) -> Path:
    target = Path(os.path.abspath(os.fspath(out_dir)))
    if target.is_symlink():  # a symlinked stack folder: work on the real folder, keep the link
        target = target.resolve()
    if target.parent == target:
        raise OutputError(f"refusing to use {target} as an output folder")
    if _SIBLING_RE.search(target.name):
        raise OutputError(f"refusing to use {target}: its name is reserved for guardform's temporary folders")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder")
    return target


def _make_plan(
    files: Mapping[str, str], out_dir: str | os.PathLike[str], tool_version: str, answers_digest: str
) -> _Plan:
    new_files = _check_files(files)
    target = _resolve_target(out_dir)
    manifest: _Manifest | None = None
    old_bytes: bytes | None = None
    manifest_blocked = False
    if not target.is_dir():
        problem = "folder absent"
    else:
        disk = _probe(target, MANIFEST_NAME)
        if disk.kind == "missing":
            problem = "absent"
        elif disk.kind == "other":
            problem = f"{MANIFEST_NAME} {disk.problem}"
            manifest_blocked = True
        else:
            old_bytes = disk.data
            try:
                manifest = _parse_manifest(disk.data)
                problem = ""
            except _BadManifest as exc:
                problem = f"{MANIFEST_NAME} is unreadable: {exc}"
    plan = _Plan(
        target=target,
        new_files=new_files,
        manifest=manifest,
        manifest_problem=problem,
        manifest_bytes=_manifest_bytes(tool_version, answers_digest, new_files),
        old_manifest_bytes=old_bytes,
    )
    if manifest_blocked:  # e.g. a folder named like the manifest: kept as .orig under force
        plan.keep.append(MANIFEST_NAME)
    recorded = manifest.files if manifest else {}
    seen_blockers: set[str] = set()

    def drift(path: str, disk: _Disk, problem: str, new: bytes | None) -> None:
        key = disk.blocker if disk.kind == "other" else path
        if key in seen_blockers:
            return
        seen_blockers.add(key)
        plan.drift.append(DriftItem(key, problem, _disk_diff(path, disk, new)))
        plan.hand_edited.append(key)
        if disk.kind != "missing":
            plan.keep.append(key)

    for path in sorted(new_files):
        new = new_files[path]
        disk = _probe(target, path) if target.is_dir() else _MISSING
        old_hash = recorded.get(path)
        if disk.kind == "file" and disk.data == new:
            plan.unchanged.append(path)
            continue
        plan.diffs[path] = _disk_diff(path, disk, new)
        if disk.kind == "missing":
            plan.create.append(path)
            if old_hash is not None:
                drift(path, disk, "deleted by hand", new)
            else:
                plan.out_of_date.append(path)
        elif disk.kind == "file":
            plan.update.append(path)
            if old_hash is None:
                drift(path, disk, "exists but was not written by guardform", new)
            elif _sha256(disk.data) != old_hash:
                drift(path, disk, "edited by hand", new)
            else:
                plan.out_of_date.append(path)
        else:
            plan.create.append(path)
            drift(path, disk, disk.problem, new)

    for path in sorted(set(recorded) - set(new_files)):
        disk = _probe(target, path)
        if disk.kind == "missing" or (disk.kind == "other" and disk.blocker != path):
            continue  # already gone (or its folder was replaced): nothing guardform wrote to remove
        plan.diffs[path] = _disk_diff(path, disk, None)
        plan.remove.append(path)
        if disk.kind == "file" and _sha256(disk.data) == recorded[path]:
            plan.out_of_date.append(path)
        else:
            problem = "edited by hand" if disk.kind == "file" else disk.problem
            drift(path, disk, f"{problem}; guardform no longer generates it", None)
    return plan


# --------------------------------------------------------------------------------------------------
# Public read-only API
# --------------------------------------------------------------------------------------------------


def diff_stack(files: Mapping[str, str], out_dir: str | os.PathLike[str]) -> str:
    """The unified diff (a/ b/ paths relative to out_dir, sorted by path) a regeneration would apply.

    Covers created, changed and removed generated files, including hand-edited ones (what --force
    would overwrite). Files guardform did not write and the manifest itself are not shown. Returns
    "" when regenerating would change no file. Writes nothing.
    """
    _check_files(files)
    with _os_errors(f"read {out_dir}"):
        plan = _make_plan(files, out_dir, "diff", "0" * 64)
    return "".join(plan.diffs[p] for p in sorted(plan.diffs))


def _version_key(v: str) -> tuple[int, ...] | None:
    m = re.match(r"^v?(\d+(?:\.\d+)*)", v)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _interrupted(target: Path) -> list[Path]:
    return [p for p in _siblings(target) if p.name.startswith(f".{target.name}.guardform-old-")]


def check_stack(
    files: Mapping[str, str], out_dir: str | os.PathLike[str], tool_version: str, answers_digest: str
) -> StaleReport:
    """Check mode for CI: is ``out_dir`` exactly what `write_stack` would produce? Writes nothing.

    Reasons (at most one per category): "missing" (folder or manifest absent or unreadable),
    "stale answers" (answers changed since the folder was generated), "newer guardform" (generated
    by a different guardform version), "hand edit" (generated files edited, deleted or in the way),
    "out of date" (generated content differs although the folder matches its manifest).
    """
    answers_digest = _check_meta(tool_version, answers_digest)
    _check_files(files)
    with _os_errors(f"read {out_dir}"):
        plan = _make_plan(files, out_dir, tool_version, answers_digest)
    reasons: list[StaleReason] = []
    if plan.manifest_problem == "folder absent":
        msg = f"{plan.target} does not exist"
        with _os_errors(f"read {plan.target.parent}"):
            left = _interrupted(plan.target)
        if left:
            msg += f" (an interrupted write left {left[0].name}; the next generate restores it)"
        reasons.append(StaleReason("missing", msg))
    elif plan.manifest_problem == "absent":
        reasons.append(StaleReason("missing", f"{MANIFEST_NAME} is missing: guardform never wrote here"))
    elif plan.manifest_problem:
        reasons.append(StaleReason("missing", plan.manifest_problem))
    m = plan.manifest
    if m is not None:
        if m.answers_sha256 != answers_digest:
            reasons.append(StaleReason("stale answers", "the answers changed since this folder was generated"))
        if m.tool_version != tool_version:
            old, new = _version_key(m.tool_version), _version_key(tool_version)
            relation = " (an older guardform)" if old is not None and new is not None and new < old else ""
            reasons.append(
                StaleReason(
                    "newer guardform",
                    f"generated by guardform {m.tool_version}; this is guardform {tool_version}{relation}",
                )
            )
    if plan.hand_edited:
        problems = {i.path: i.problem for i in plan.drift}
        reasons.append(
            StaleReason(
                "hand edit",
                f"{len(plan.hand_edited)} generated file(s) changed by hand",
                tuple(f"{p} ({problems[p]})" for p in sorted(plan.hand_edited)),
            )
        )
    if plan.out_of_date and plan.manifest is not None:
        reasons.append(
            StaleReason(
                "out of date",
                f"{len(plan.out_of_date)} generated file(s) differ from what guardform produces now",
                tuple(sorted(plan.out_of_date)),
            )
        )
    if not reasons and plan.old_manifest_bytes != plan.manifest_bytes:
        # e.g. the manifest lists a file that is already gone, or was reformatted by hand
        reasons.append(
            StaleReason("out of date", f"{MANIFEST_NAME} differs from what guardform writes", (MANIFEST_NAME,))
        )
    return StaleReport(plan.target, tuple(reasons), dict(sorted(plan.diffs.items())))


# --------------------------------------------------------------------------------------------------
# Crash hooks (tests only)
# --------------------------------------------------------------------------------------------------


class _Crash:
    def __init__(self) -> None:
        spec = os.environ.get(CRASH_ENV, "").strip()
        self.after: int | None = int(spec) if spec.isdigit() else None
        self.point = "" if spec.isdigit() else spec
        self.writes = 0

    def wrote(self) -> None:
        self.writes += 1
        if self.after is not None and self.writes >= self.after:
            os._exit(_CRASH_EXIT)

    def at(self, point: str) -> None:
        if self.point == point:
            os._exit(_CRASH_EXIT)


# --------------------------------------------------------------------------------------------------
# Low-level filesystem helpers
# --------------------------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _siblings(target: Path) -> list[Path]:
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.guardform-(staging|old)-\d+$")
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    return sorted(target.parent / n for n in names if pattern.match(n))


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)


@contextlib.contextmanager
def _locked(parent: Path) -> Iterator[None]:
    """Serialise guardform writers in one parent folder (flock on the folder itself; POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"another guardform is writing in {parent}; try again when it is done") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _recover_locked(target: Path) -> bool:
    """Restore an old folder left by a crash mid-swap; delete every other leftover sibling."""
    restored = False
    leftovers = _siblings(target)
    if not os.path.lexists(target):
        olds = [p for p in leftovers if ".guardform-old-" in p.name]
        if len(olds) > 1:
            raise OutputError(
                f"{target} is missing and several interrupted writes left copies of it: "
                + ", ".join(p.name for p in olds)
                + "; rename the right one back by hand"
            )
        if olds:
            os.rename(olds[0], target)
            _fsync_dir(target.parent)
            leftovers.remove(olds[0])
            restored = True
    for p in leftovers:
        _remove_tree(p)
    return restored


def recover(out_dir: str | os.PathLike[str]) -> bool:
    """Finish the recovery after a crashed write; True if an old folder was put back.

    `write_stack` does this first on every call; call it directly only to repair a folder without
    regenerating it.
    """
    target = _resolve_target(out_dir)
    if not target.parent.is_dir():
        return False
    with _os_errors(f"recover {target}"), _locked(target.parent):
        return _recover_locked(target)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE). False if unsupported here."""
    if not sys.platform.startswith("linux") or os.environ.get(NO_RENAMEAT2_ENV):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _copy_tree(src: Path, dst: Path) -> None:
    """Recreate src at dst (which exists): hard links for files, symlinks as symlinks, never follow."""
    with os.scandir(src) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        s, d = Path(entry.path), dst / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(s), d)
        elif entry.is_dir(follow_symlinks=False):
            os.mkdir(d)
            _copy_tree(s, d)
        else:
            try:
                os.link(s, d, follow_symlinks=False)
            except OSError:  # no hard links here (filesystem, protected_hardlinks): copy
                if not entry.is_file(follow_symlinks=False):
                    raise OutputError(f"cannot copy special file {s}") from None
                shutil.copy2(s, d, follow_symlinks=False)
                fd = os.open(d, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    shutil.copystat(src, dst, follow_symlinks=False)


def _fsync_tree(root: Path) -> None:
    """fsync every folder under root (bottom-up) so every entry of the new tree is durable."""
    for dirpath, _dirs, _files in os.walk(root, topdown=False, followlinks=False):
        _fsync_dir(Path(dirpath))


def _safe_parent(root: Path, rel: str) -> Path:
    """Create the parent folders of rel under root, refusing any symlink or non-folder on the way."""
    cur = root
    for part in rel.split("/")[:-1]:
        cur = cur / part
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            os.mkdir(cur)
            continue
        if not stat.S_ISDIR(st.st_mode):  # a symlink is not S_ISDIR under lstat
            raise OutputError(f"refusing to write through {cur}: not a real folder")
    return cur


def _write_file(root: Path, rel: str, data: bytes) -> None:
    """Write a fresh inode at root/rel (never into an existing, possibly hard-linked, file)."""
    _safe_parent(root, rel)
    path = root / rel
    mode = 0o666
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            mode = stat.S_IMODE(st.st_mode)
        path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if mode != 0o666:
        os.chmod(path, mode)


def _orig_name(root: Path, rel: str, taken: set[str]) -> str:
    candidate, n = f"{rel}.orig", 1
    while candidate in taken or os.path.lexists(root / candidate):
        candidate, n = f"{rel}.orig.{n}", n + 1
    taken.add(candidate)
    return candidate


def _prune_empty(root: Path, rel: str) -> None:
    """Remove folders left empty by removing rel, up to (not including) root."""
    parts = rel.split("/")[:-1]
    while parts:
        try:
            os.rmdir(root.joinpath(*parts))
        except OSError:  # not empty (user files, other generated files) or already gone
            return
        parts.pop()


# --------------------------------------------------------------------------------------------------
# write_stack
# --------------------------------------------------------------------------------------------------


def write_stack(
    files: Mapping[str, str],
    out_dir: str | os.PathLike[str],
    tool_version: str,
    answers_digest: str,
    *,
    force: bool = False,
) -> WriteResult:
    """Write one generated stack into ``out_dir`` atomically and record it in the manifest.

    Raises ValueError for an unsafe path in ``files`` (absolute, ``..``, the manifest name) or bad
    metadata, `DriftError` when files were changed by hand or a generated path is taken by a file
    guardform did not write (nothing is written; ``force=True`` overwrites and keeps each such file
    as ``FILE.orig``), and `OutputError` when the folder cannot be written.
    """
    answers_digest = _check_meta(tool_version, answers_digest)
    _check_files(files)  # ValueError before touching anything
    target = _resolve_target(out_dir)
    with _os_errors(f"write {target}"):
        target.parent.mkdir(parents=True, exist_ok=True)
        return _write_locked(files, target, tool_version, answers_digest, force)


def _write_locked(
    files: Mapping[str, str], target: Path, tool_version: str, answers_digest: str, force: bool
) -> WriteResult:
    with _locked(target.parent):
        _recover_locked(target)
        plan = _make_plan(files, target, tool_version, answers_digest)
        if plan.manifest_problem not in ("", "absent", "folder absent") and not force:
            raise OutputError(
                f"{target}: {plan.manifest_problem}. guardform cannot tell which files it wrote; "
                "run again with --force to treat existing files as not written by guardform "
                "(each one that differs is kept as FILE.orig)."
            )
        if plan.drift and not force:
            raise DriftError(target, plan.drift)
        unchanged = tuple(plan.unchanged)
        if plan.noop:
            return WriteResult(target, unchanged=unchanged)
        kept = _stage_and_swap(plan, target)
    return WriteResult(
        target,
        created=tuple(plan.create),
        updated=tuple(plan.update),
        unchanged=unchanged,
        removed=tuple(plan.remove),
        kept_as_orig=tuple(sorted(kept)),
        manifest_written=True,
    )


def _stage_and_swap(plan: _Plan, target: Path) -> list[str]:
    crash = _Crash()
    staging = target.parent / f".{target.name}.guardform-staging-{os.getpid()}"
    os.mkdir(staging)
    existed = target.is_dir()
    try:
        if existed:
            _copy_tree(target, staging)
        crash.at("copied")
        taken = set(plan.new_files) | {MANIFEST_NAME}
        kept: list[str] = []
        # 1. keep hand-edited files and anything in the way as .orig (only reached with force: without
        #    it write_stack refused). Shallowest first, so a blocking folder is moved once.
        for rel in sorted(set(plan.keep), key=lambda r: (r.count("/"), r)):
            if os.path.lexists(staging / rel):
                orig = _orig_name(staging, rel, taken)
                os.rename(staging / rel, staging / orig)
                kept.append(orig)
        # 2. remove what guardform no longer generates (unedited files; edited ones were moved)
        for rel in plan.remove:
            with contextlib.suppress(FileNotFoundError):
                (staging / rel).unlink()
            _prune_empty(staging, rel)
        # 3. write new and changed files, then the manifest
        for rel in sorted(plan.create + plan.update):
            _write_file(staging, rel, plan.new_files[rel])
            crash.wrote()
        _write_file(staging, MANIFEST_NAME, plan.manifest_bytes)
        crash.wrote()
        _fsync_tree(staging)
        _fsync_dir(target.parent)
        crash.at("staged")
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_tree(staging)
        raise
    # 4. swap the complete new folder in
    if not existed:
        os.rename(staging, target)
        _fsync_dir(target.parent)
        crash.at("swapped")
        return kept
    if _renameat2_exchange(staging, target):
        old = staging  # the exchange left the old folder under the staging name
        _fsync_dir(target.parent)
    else:
        old = target.parent / f".{target.name}.guardform-old-{os.getpid()}"
        os.rename(target, old)
        _fsync_dir(target.parent)
        crash.at("moved-old")
        os.rename(staging, target)
        _fsync_dir(target.parent)
    crash.at("swapped")
    with contextlib.suppress(OSError):  # a leftover is removed by the next write
        _remove_tree(old)
    return kept
