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
    3. Files guardform did not write are never modified or removed. Only a regular file listed in a
       trusted manifest (sealed, naming this stack folder) counts as written by guardform; a folder,
       symlink or special file at a listed path is left alone. A generated path that would overwrite
       a user's file (or a symlink, or a directory in the way) is a conflict, reported like drift;
       with force the existing entry is kept as ``FILE.orig``. A user's file that already holds
       exactly the content guardform would write is never drift, and is not recorded (so never
       removed later) unless force takes it over.
    4. The folder is replaced atomically: the complete new folder (user files hard-linked or copied,
       generated files applied, manifest written, everything fsynced) is built in a sibling folder
       ``.<name>.guardform-staging-<pid>`` and then swapped in with ``renameat2(RENAME_EXCHANGE)`` on
       Linux. Elsewhere (or when the filesystem refuses the exchange) the old folder is first renamed
       to ``.<name>.guardform-old-<pid>`` and the new one renamed into place; if a crash lands between
       those two renames, the next write (or `recover`) puts the old folder back. The old folder is
       then disposed of by `_Disposer`, which deletes an entry only when that provably loses nothing
       and moves anything written meanwhile into the new folder. Leftover siblings of crashed runs,
       and only those names, are cleared the same way at the start of every write. A mount inside
       the folder, an immutable file, or an owner that cannot be kept is refused before anything
       changes; no removal crosses a filesystem boundary. Writers in one parent folder take turns.
    5. Writing identical content touches nothing and reports every file as unchanged.

Test-only hooks (environment variables; never set them outside the test suite)
    ``GUARDFORM_TEST_CRASH_AFTER``
        An integer N: the writer calls ``os._exit(99)`` right after its N-th staged file write
        (generated files and the manifest count). Or a named point: ``copied`` (old folder copied
        into staging), ``staged`` (staging complete and fsynced, before the swap), ``moved-old``
        (fallback swap only: old folder renamed away, new one not yet in place), ``swapped`` (new
        folder in place, old copy not yet deleted). Tests also replace `_test_point` to act at
        ``copied``, ``staged`` and ``swapped`` (a concurrent writer).
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
import time
from collections.abc import Callable, Iterator, Mapping
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
_RENAME_NOREPLACE = 1

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
    #: (the path, where its previous content was kept) for every .orig written, sorted by the latter
    kept: tuple[tuple[str, str], ...] = ()
    #: files that appeared in the stack folder while guardform was writing and were moved into the new tree
    carried: tuple[str, ...] = ()
    #: things the user should know that did not stop the write (e.g. a leftover folder, named)
    warnings: tuple[str, ...] = ()

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
            "kept": [{"path": p, "kept_as": k} for p, k in self.kept],
            "carried": list(self.carried),
            "manifest_written": self.manifest_written,
            "warnings": list(self.warnings),
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


def _seal(stack: str, tool_version: str, answers_digest: str, hashes: Mapping[str, str]) -> str:
    """The manifest's seal: a digest of everything else in it, bound to the stack folder's name.

    A manifest whose seal does not match was not written by guardform for this folder (edited by
    hand, merged by hand, or copied from another stack); its entries are then not trusted.
    """
    doc = {"answers_sha256": answers_digest, "files": dict(hashes), "stack": stack, "tool": TOOL}
    body = json.dumps({**doc, "tool_version": tool_version}, sort_keys=True, separators=(",", ":"))
    return _sha256(b"guardform manifest seal v1\0" + body.encode("utf-8"))


def _manifest_bytes(stack: str, tool_version: str, answers_digest: str, files: Mapping[str, bytes]) -> bytes:
    hashes = {p: _sha256(files[p]) for p in sorted(files)}
    doc = {
        "tool": TOOL,
        "tool_version": tool_version,
        "answers_sha256": answers_digest,
        "stack": stack,
        "files": hashes,
        "seal": _seal(stack, tool_version, answers_digest, hashes),
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True)
class _Manifest:
    tool_version: str
    answers_sha256: str
    files: dict[str, str]


class _BadManifest(Exception):
    pass


#: a manifest larger than this is not one guardform wrote (a stack has a few hundred files)
_MANIFEST_MAX_BYTES = 4 * 1024 * 1024


def _parse_manifest(data: bytes, stack: str) -> _Manifest:
    if len(data) > _MANIFEST_MAX_BYTES:
        raise _BadManifest(f"it is {len(data)} bytes, far larger than any manifest guardform writes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadManifest(f"not valid JSON ({exc})") from None
    except (RecursionError, ValueError):  # nested past the parser's depth, or an integer of thousands of digits
        raise _BadManifest("not a guardform manifest (nested too deeply or holds an oversized number)") from None
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
    for path in files:
        parts = path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in files:
                raise _BadManifest(f"entry {'/'.join(parts[:i])!r} is both a file and the folder of {path!r}")
    written_for, seal = doc.get("stack"), doc.get("seal")
    if not isinstance(written_for, str) or not isinstance(seal, str):
        raise _BadManifest("it has no seal, so guardform cannot tell that it wrote it")
    if written_for != stack:
        raise _BadManifest(f"it was written for the stack folder {written_for!r}, not {stack!r}")
    if seal != _seal(stack, version, answers, files):
        raise _BadManifest("it was changed by hand (its seal does not match its content)")
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
    #: the generated paths the new manifest records: every path guardform writes or wrote before
    recorded: list[str] = field(default_factory=list)
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
    except RecursionError:
        raise OutputError(f"cannot {what}: its folders are nested too deeply") from None


def _limit(name: str, default: int) -> int:
    try:
        return int(os.pathconf("/", name))
    except (OSError, ValueError, AttributeError):
        return default


_NAME_MAX = _limit("PC_NAME_MAX", 255)
_PATH_MAX = _limit("PC_PATH_MAX", 4096)
#: what guardform adds to a stack folder's name for its temporary siblings (".NAME.guardform-staging-PID")
_SIBLING_OVERHEAD = len("..guardform-staging-") + 10


def _check_lengths(path: Path) -> None:
    """Refuse a path the system cannot hold, before anything is created."""
    raw = os.fsencode(path)
    if len(raw) + _SIBLING_OVERHEAD >= _PATH_MAX:  # the staging folder's paths are that much longer
        raise OutputError(
            f"the output path is {len(raw)} bytes long and guardform's temporary folder beside it adds "
            f"{_SIBLING_OVERHEAD}; this system allows at most {_PATH_MAX - 1}"
        )
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > _NAME_MAX:
            raise OutputError(
                f"the folder name {part[:40]!r}… in the output path is {size} bytes long; "
                f"this system allows at most {_NAME_MAX} per name"
            )
    size = len(os.fsencode(path.name))
    if size + _SIBLING_OVERHEAD > _NAME_MAX:
        raise OutputError(
            f"the stack folder name {path.name[:40]!r}… is {size} bytes long; guardform needs "
            f"{_SIBLING_OVERHEAD} more for its temporary folder beside it, and this system allows {_NAME_MAX}"
        )


def _resolve_target(out_dir: str | os.PathLike[str]) -> Path:
    try:
        target = Path(os.path.abspath(os.fspath(out_dir)))
    except (ValueError, TypeError) as exc:  # e.g. a NUL byte
        raise OutputError(f"{out_dir!r} is not a usable path: {exc}") from None
    _check_lengths(target)
    if target.parent == target:
        raise OutputError(f"refusing to use {target} as an output folder")
    try:
        if target.is_symlink():  # a symlinked stack folder: work on the real folder, keep the link
            link = target
            try:
                target = Path(os.path.realpath(link, strict=True))
            except FileNotFoundError:
                raise OutputError(
                    f"{link} is a symbolic link to {os.readlink(link)}, which does not exist; guardform does not "
                    "create a stack folder through a link: create the folder it points to, or remove the link"
                ) from None
            except (OSError, RuntimeError) as exc:
                if isinstance(exc, OSError) and exc.errno != errno.ELOOP:
                    raise
                raise OutputError(f"{link} is a symbolic link that loops (it leads back to itself)") from None
            _check_lengths(target)
            if target.parent == target:
                raise OutputError(f"refusing to use {target} (the target of {link}) as an output folder")
        if _SIBLING_RE.search(target.name):
            raise OutputError(f"refusing to use {target}: its name is reserved for guardform's temporary folders")
        if os.path.lexists(target) and not target.is_dir():
            raise OutputError(f"{target} exists and is not a folder")
        for anc in target.parents:
            if os.path.lexists(anc):
                if anc.is_symlink():
                    try:
                        os.path.realpath(anc, strict=True)
                    except (OSError, RuntimeError) as exc:
                        if isinstance(exc, OSError) and exc.errno not in (errno.ELOOP, errno.ENOENT):
                            raise
                        how = (
                            "loops (it leads back to itself)"
                            if not isinstance(exc, FileNotFoundError)
                            else ("points to a folder that does not exist")
                        )
                        raise OutputError(f"{anc} is a symbolic link that {how}") from None
                if not anc.is_dir():
                    raise OutputError(f"{anc} is not a folder, so {target} cannot be created in it")
                break
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(f"{target}: a symbolic link on the way loops (it leads back to itself)") from None
        raise OutputError(f"cannot use {target}: {exc.strerror or exc}") from None
    return target


def _make_plan(
    files: Mapping[str, str],
    out_dir: str | os.PathLike[str],
    tool_version: str,
    answers_digest: str,
    take_over: bool = False,
) -> _Plan:
    """Compare the folder, its manifest and the new files. ``take_over`` (--force) records a user's
    file that is identical to a generated one as guardform's; without it such a file stays the user's."""
    new_files = _check_files(files)
    target = _resolve_target(out_dir)
    found = _read_manifest(target)
    plan = _Plan(
        target=target,
        new_files=new_files,
        manifest=found.manifest,
        manifest_problem=found.problem,
        manifest_bytes=b"",
        old_manifest_bytes=found.data,
    )
    if found.blocked:  # e.g. a folder named like the manifest: kept as .orig under force
        plan.keep.append(MANIFEST_NAME)
    planner = _Planner(plan, take_over)
    for path in sorted(new_files):
        planner.generated(path)
    for path in sorted(set(planner.recorded) - set(new_files)):
        planner.retired(path)
    plan.manifest_bytes = _manifest_bytes(
        target.name, tool_version, answers_digest, {p: new_files[p] for p in plan.recorded}
    )
    return plan


@dataclass(frozen=True)
class _FoundManifest:
    """The stack folder's manifest as found: parsed when trusted, its bytes when it is a file, and
    otherwise why not (``problem``, as `_Plan.manifest_problem`); ``blocked``: something else is at its path."""

    manifest: _Manifest | None
    data: bytes | None
    problem: str
    blocked: bool = False


def _read_manifest(target: Path) -> _FoundManifest:
    if not target.is_dir():
        return _FoundManifest(None, None, "folder absent")
    disk = _probe(target, MANIFEST_NAME)
    if disk.kind == "missing":
        return _FoundManifest(None, None, "absent")
    if disk.kind == "other":
        return _FoundManifest(None, None, f"{MANIFEST_NAME} {disk.problem}", blocked=True)
    try:
        return _FoundManifest(_parse_manifest(disk.data, target.name), disk.data, "")
    except _BadManifest as exc:
        return _FoundManifest(None, disk.data, f"{MANIFEST_NAME} cannot be trusted: {exc}")


class _Planner:
    """Sorts each path into the plan's lists: one generated path, or one the manifest records and guardform
    no longer generates. A blocking entry is reported as drift once, however many paths it blocks."""

    def __init__(self, plan: _Plan, take_over: bool) -> None:
        self.plan = plan
        self.take_over = take_over
        self.recorded = plan.manifest.files if plan.manifest else {}
        self._seen_blockers: set[str] = set()

    def drift(self, path: str, disk: _Disk, problem: str, new: bytes | None) -> None:
        key = disk.blocker if disk.kind == "other" else path
        if key in self._seen_blockers:
            return
        self._seen_blockers.add(key)
        self.plan.drift.append(DriftItem(key, problem, _disk_diff(path, disk, new)))
        self.plan.hand_edited.append(key)
        if disk.kind != "missing":
            self.plan.keep.append(key)

    def generated(self, path: str) -> None:
        plan = self.plan
        new = plan.new_files[path]
        disk = _probe(plan.target, path) if plan.target.is_dir() else _MISSING
        old_hash = self.recorded.get(path)
        if disk.kind == "file" and disk.data == new:
            plan.unchanged.append(path)
            if old_hash is not None or self.take_over:
                plan.recorded.append(path)
            # else: the user's own file, identical to what guardform generates. It is left as it is
            # and not recorded, so it never becomes guardform's to remove.
            return
        plan.recorded.append(path)
        plan.diffs[path] = _disk_diff(path, disk, new)
        if disk.kind == "missing":
            plan.create.append(path)
            if old_hash is not None:
                self.drift(path, disk, "deleted by hand", new)
            else:
                plan.out_of_date.append(path)
        elif disk.kind == "file":
            plan.update.append(path)
            if old_hash is None:
                self.drift(path, disk, "exists but was not written by guardform", new)
            elif _sha256(disk.data) != old_hash:
                self.drift(path, disk, "edited by hand", new)
            else:
                plan.out_of_date.append(path)
        else:
            plan.create.append(path)
            self.drift(path, disk, disk.problem, new)

    def retired(self, path: str) -> None:
        plan = self.plan
        disk = _probe(plan.target, path)
        if disk.kind != "file":
            # gone, or a folder, symlink or special file now: guardform only ever wrote regular
            # files, so whatever is there is not guardform's and is left alone
            return
        plan.diffs[path] = _disk_diff(path, disk, None)
        plan.remove.append(path)
        if _sha256(disk.data) == self.recorded[path]:
            plan.out_of_date.append(path)
        else:
            self.drift(path, disk, "edited by hand; guardform no longer generates it", None)


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
    reasons = [*_missing_reasons(plan), *_manifest_reasons(plan, tool_version, answers_digest)]
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


def _missing_reasons(plan: _Plan) -> list[StaleReason]:
    """The "missing" reason when the folder or its manifest is absent or cannot be trusted."""
    if plan.manifest_problem == "folder absent":
        msg = f"{plan.target} does not exist"
        with _os_errors(f"read {plan.target.parent}"):
            left = _interrupted(plan.target)
        if left:
            msg += f" (an interrupted write left {left[0].name}; the next generate restores it)"
        return [StaleReason("missing", msg)]
    if plan.manifest_problem == "absent":
        return [StaleReason("missing", f"{MANIFEST_NAME} is missing: guardform never wrote here")]
    if plan.manifest_problem:
        return [StaleReason("missing", plan.manifest_problem)]
    return []


def _manifest_reasons(plan: _Plan, tool_version: str, answers_digest: str) -> list[StaleReason]:
    """What the trusted manifest says changed: the answers, or the guardform version."""
    m = plan.manifest
    if m is None:
        return []
    reasons = []
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
    return reasons


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


def _test_point(point: str) -> None:
    """A named moment of a write ("copied", "staged", "swapped"); tests replace this to act there."""


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


def _unescape_mount(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _mounts_inside(root: Path) -> list[Path]:
    """Mount points at or below root (Linux: /proc/self/mountinfo; elsewhere: none known)."""
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return []
    real = os.path.realpath(root)
    found: set[Path] = set()
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) > 4:
            point = _unescape_mount(fields[4])
            if point == real or point.startswith(real.rstrip("/") + "/"):
                found.add(Path(point))
    return sorted(found)


def _refuse_mounts(target: Path) -> None:
    """guardform replaces the stack folder as a whole: a mount inside it would be carried away with
    the old folder (and a mount *at* it cannot be replaced). Refuse before changing anything."""
    mounts = _mounts_inside(target)
    if os.path.realpath(target) in {str(m) for m in mounts} or os.path.ismount(target):
        raise OutputError(
            f"{target} is a mount point; guardform replaces the stack folder as a whole, which it cannot do to a "
            "mount point. Write the stack one folder deeper (--out pointing inside the mount)."
        )
    if mounts:
        shown = ", ".join(str(m) for m in mounts[:5]) + (" …" if len(mounts) > 5 else "")
        raise OutputError(
            f"{target} holds a mounted filesystem ({shown}); guardform replaces the stack folder as a whole and "
            "would carry the mount away with the old folder. Nothing was changed. Unmount it, regenerate, and "
            "mount it again (or mount it outside the stack folder)."
        )


def _remove_tree(path: Path) -> list[str]:
    """Delete a folder guardform built itself, never crossing into another filesystem or through a
    symlink. Returns what could not be removed (empty when it is gone)."""
    problems: list[str] = []
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return problems
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return problems
    mounts = _mounts_inside(path)
    if mounts:
        return [
            f"{m} is a mount point inside it (unmount it with `umount {m}`, then delete the folder)" for m in mounts
        ]
    dev = st.st_dev
    nofollow = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0)

    def rm(parent_fd: int, name: str, shown: Path, depth: int) -> None:
        try:
            est = os.lstat(name, dir_fd=parent_fd)
            if not stat.S_ISDIR(est.st_mode):
                os.unlink(name, dir_fd=parent_fd)
                return
            if est.st_dev != dev:
                problems.append(f"{shown} is on another filesystem (a mount point); left in place")
                return
            if depth > 512:
                problems.append(f"{shown} is nested too deeply to remove")
                return
            fd = os.open(name, nofollow, dir_fd=parent_fd)
            try:
                for child in os.listdir(fd):
                    rm(fd, child, shown / child, depth + 1)
            finally:
                os.close(fd)
            os.rmdir(name, dir_fd=parent_fd)
        except OSError as exc:
            problems.append(f"{shown}: {exc.strerror or exc}")

    parent_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        rm(parent_fd, path.name, path, 0)
    finally:
        os.close(parent_fd)
    return problems


def _wait_message(parent: Path, timeout: float) -> str:
    return f"guardform: another guardform is writing in {parent}; waiting for it to finish (up to {timeout:g} s)"


@contextlib.contextmanager
def _locked(parent: Path, timeout: float = 0.0, progress: Callable[[str], None] | None = None) -> Iterator[None]:
    """Serialise guardform writers in one parent folder (flock on the folder itself; POSIX only).

    A second writer waits for the first, up to ``timeout`` seconds, saying so through ``progress``.
    """
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
            if progress is not None:
                progress(_wait_message(parent, timeout))
            deadline = time.monotonic() + timeout
            while True:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"another guardform has been writing in {parent} for {timeout:g} s; try again when it is done"
                    ) from None
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    continue
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _recover_locked(target: Path) -> tuple[bool, list[str]]:
    """Restore an old folder left by a crash mid-swap; clear every other leftover sibling.

    Returns whether a folder was put back, and warnings about leftovers that could not be cleared
    (each names the folder and what to do). A leftover is cleared entry by entry: only what the
    stack folder also holds, or what guardform's own manifest in the leftover records, is deleted;
    anything else is moved into the stack folder (or the leftover is kept and named).
    """
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
    warnings: list[str] = []
    for p in leftovers:
        if not target.is_dir():  # no stack to compare with: nothing can be proven redundant
            warnings.append(_leftover_warning(p, target, [f"{target} does not exist"]))
            continue
        try:
            result = _Disposer(p, target, _trusted_hashes(p, target.name), {}).run()
        except OSError as exc:
            warnings.append(_leftover_warning(p, target, [exc.strerror or str(exc)]))
            continue
        warnings.extend(result.warnings(target))
    return restored, warnings


def _leftover_warning(folder: Path, target: Path, problems: list[str]) -> str:
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    return (
        f"the previous copy of {target} could not be removed and is left in {folder} ({shown}). "
        f"Everything guardform needs is in {target}; look through {folder}, move anything you want to keep "
        "into the stack folder, and delete it."
    )


def recover(out_dir: str | os.PathLike[str]) -> bool:
    """Finish the recovery after a crashed write; True if an old folder was put back.

    `write_stack` does this first on every call; call it directly only to repair a folder without
    regenerating it.
    """
    target = _resolve_target(out_dir)
    if not target.parent.is_dir():
        return False
    with _os_errors(f"recover {target}"), _locked(target.parent):
        return _recover_locked(target)[0]


def _renameat2(a: Path, b: Path, flags: int) -> bool:
    """Linux renameat2 (RENAME_EXCHANGE / RENAME_NOREPLACE). False if unsupported here."""
    if not sys.platform.startswith("linux") or os.environ.get(NO_RENAMEAT2_ENV):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE). False if unsupported here."""
    return _renameat2(a, b, _RENAME_EXCHANGE)


# --------------------------------------------------------------------------------------------------
# Owners, modes and flags
# --------------------------------------------------------------------------------------------------

_FS_IOC_GETFLAGS = 0x80086601
_FS_IMMUTABLE_FL, _FS_APPEND_FL = 0x10, 0x20


def _sticky_flags(path: Path) -> str:
    """'immutable' / 'append-only' when the file or folder carries that attribute (Linux), else ''."""
    if not sys.platform.startswith("linux"):
        flags = getattr(os.lstat(path), "st_flags", 0)  # BSD, macOS
        return "immutable" if flags & 0x00020002 else ("append-only" if flags & 0x00040004 else "")
    try:
        import fcntl

        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except (ImportError, OSError):
        return ""
    try:
        buf = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, b"\0" * 8)
        flags = int.from_bytes(buf[:4], sys.byteorder)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return "immutable" if flags & _FS_IMMUTABLE_FL else ("append-only" if flags & _FS_APPEND_FL else "")


def _refuse_flagged(path: Path, what: str) -> None:
    flag = _sticky_flags(path)
    if flag:
        opt = "i" if flag == "immutable" else "a"
        raise OutputError(
            f"{path} is {flag} (chattr +{opt}); guardform replaces the stack folder as a whole and cannot "
            f"{what} it. Nothing was changed. Remove the attribute (chattr -{opt} {path}), regenerate, "
            "and set it again."
        )


def _own_like(path: Path, uid: int, gid: int, mode: int | None, source: Path) -> None:
    """Give path the owner, group (and mode) of what it replaces; refuse if that is not possible."""
    st = os.lstat(path)
    if (st.st_uid, st.st_gid) != (uid, gid):
        try:
            os.chown(path, uid, gid, follow_symlinks=False)
        except OSError as exc:
            raise OutputError(
                f"cannot keep the owner of {source} (uid {uid}, gid {gid}): {exc.strerror}. Nothing was changed; "
                "run guardform as that user (or as root)."
            ) from None
    if mode is not None and not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(os.lstat(path).st_mode) != mode:
        os.chmod(path, mode)  # after chown, which clears set-id bits


def _owner_for_new(parent: Path) -> tuple[int, int] | None:
    """Owner for a new file or folder: its parent's, when root writes into someone else's stack."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    st = os.lstat(parent)
    return st.st_uid, st.st_gid


# --------------------------------------------------------------------------------------------------
# Copying the old folder into staging
# --------------------------------------------------------------------------------------------------


class _Copier:
    """Recreate the stack folder in staging: hard links for files, the same owner, group and mode
    for folders, symlinks as symlinks; never follow a link or cross into another filesystem.

    ``placed`` records, per relative path, the inode put into staging (so the old folder's version
    can later replace it if the user saved a newer one meanwhile).
    """

    def __init__(self, src: Path, dst: Path) -> None:
        self.src, self.dst = src, dst
        self.dev = os.lstat(src).st_dev
        self.placed: dict[str, int] = {}
        self.copies: dict[tuple[int, int], Path] = {}  # copy fallback: keep hard links between files

    def run(self) -> None:
        self._dir(self.src, self.dst, "")

    def _dir(self, src: Path, dst: Path, rel: str) -> None:
        _refuse_flagged(src, "move")
        with os.scandir(src) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            s, d = Path(entry.path), dst / entry.name
            r = f"{rel}/{entry.name}" if rel else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(s), d)
                    _own_like(d, st.st_uid, st.st_gid, None, s)
                elif stat.S_ISDIR(st.st_mode):
                    if st.st_dev != self.dev or os.path.ismount(s):
                        raise OutputError(
                            f"{s} is a mount point; guardform will not carry it away. Nothing was changed."
                        )
                    os.mkdir(d, 0o700)
                    self._dir(s, d, r)
                else:
                    self._file(s, d, st)
            except FileNotFoundError:
                # renamed or deleted by someone else while we copy: whatever takes its place is
                # carried over when the old folder is disposed of
                continue
            self.placed[r] = os.lstat(d).st_ino
        st = os.lstat(src)
        _own_like(dst, st.st_uid, st.st_gid, None, src)
        shutil.copystat(src, dst, follow_symlinks=False)  # mode (after chown), times, extended attributes

    def _file(self, s: Path, d: Path, st: os.stat_result) -> None:
        try:
            os.link(s, d, follow_symlinks=False)
            return
        except OSError as exc:
            if exc.errno == errno.EPERM:
                _refuse_flagged(s, "move")
        # no hard links here (filesystem, protected_hardlinks): copy, keeping owner, mode and links
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"cannot copy special file {s}") from None
        key = (st.st_dev, st.st_ino)
        first = self.copies.get(key) if st.st_nlink > 1 else None
        if first is not None:
            with contextlib.suppress(OSError):
                os.link(first, d)
                return
        shutil.copy2(s, d, follow_symlinks=False)
        _own_like(d, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), s)
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if st.st_nlink > 1:
            self.copies[key] = d


def _fsync_tree(root: Path) -> None:
    """fsync every folder under root (bottom-up) so every entry of the new tree is durable."""
    for dirpath, _dirs, _files in os.walk(root, topdown=False, followlinks=False):
        _fsync_dir(Path(dirpath))


def _safe_parent(root: Path, rel: str) -> Path:
    """Create the parent folders of rel under root, refusing any symlink or non-folder on the way."""
    cur = root
    for part in rel.split("/")[:-1]:
        parent, cur = cur, cur / part
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            os.mkdir(cur)
            owner = _owner_for_new(parent)
            if owner is not None:
                os.chown(cur, *owner, follow_symlinks=False)
            continue
        if not stat.S_ISDIR(st.st_mode):  # a symlink is not S_ISDIR under lstat
            raise OutputError(f"refusing to write through {cur}: not a real folder")
    return cur


def _write_file(root: Path, rel: str, data: bytes) -> None:
    """Write a fresh inode at root/rel (never into an existing, possibly hard-linked, file), with the
    owner, group and mode of the file it replaces (a new file gets its folder's owner under root).

    The bytes go to a private part name beside it first and are renamed into place once complete, so an
    interrupted run never leaves a partial file at a generated path (a crashed run's staging would
    otherwise hold it, and the next run's cleanup could not tell it from a file the user saved)."""
    parent = _safe_parent(root, rel)
    path = root / rel
    mode: int | None = None
    owner = _owner_for_new(parent)
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            mode, owner = stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)
    part = parent / _part_name(path.name)
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(part, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(part, path)
    if owner is not None:
        _own_like(path, owner[0], owner[1], mode, path)
    elif mode is not None:
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
# Disposing of the old folder without losing what was written into it
# --------------------------------------------------------------------------------------------------


def _trusted_hashes(root: Path, stack: str) -> dict[str, str]:
    """What guardform recorded writing in root (its sealed manifest), or nothing."""
    try:
        data = _read_nofollow(root / MANIFEST_NAME)
        return _parse_manifest(data, stack).files
    except (OSError, _BadManifest):
        return {}


def _same_file(a_fd: int, a_name: str, b: Path, size: int) -> bool:
    """True when b is a regular file with exactly the bytes of a (never following symlinks)."""
    try:
        st = os.lstat(b)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        fa = os.open(a_name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=a_fd)
        fb = os.open(b, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    with os.fdopen(fa, "rb") as ha, os.fdopen(fb, "rb") as hb:
        while True:
            x, y = ha.read(1 << 20), hb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _file_sha(fd_dir: int, name: str) -> str | None:
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=fd_dir)
    except OSError:
        return None
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Disposal:
    folder: Path
    removed: bool
    #: (path in the old folder, where it now is in the stack) for files moved in beside a newer one
    kept: list[tuple[str, str]]
    #: files that appeared in the old folder and were moved into the stack folder
    carried: list[str]
    problems: list[str]

    def warnings(self, target: Path) -> list[str]:
        return [] if self.removed else [_leftover_warning(self.folder, target, self.problems)]


#: what an entry of the old folder is renamed to while guardform decides whether it may go
_PRIVATE = ".guardform-dispose"

#: what a generated file is written under until it is complete (then renamed to its own name)
_PART = ".guardform-part"


def _part_name(name: str) -> str:
    """The private name a file is written under in staging; one that fits the name limit."""
    room = _NAME_MAX - len(os.fsencode("." + _PART))
    encoded = os.fsencode(name)
    if len(encoded) > room:  # keep a unique, short stand-in for a very long name
        name = hashlib.sha256(encoded).hexdigest()[:32]
    return f".{name}{_PART}"


def _is_part(name: str) -> bool:
    return name.startswith(".") and name.endswith(_PART)


class _Disposer:
    """Delete the old copy of a stack folder entry by entry, proving each deletion loses nothing.

    An entry is deleted only when the stack folder still holds the same inode, the same bytes (or
    the same symlink) at the same path, or when it is a regular file whose content guardform
    recorded writing at that path. Anything else (a file created or saved while guardform worked,
    e.g. by `terraform init` or an editor) is moved into the stack folder: into a free path as it
    is, over guardform's own stale link of it, or beside a generated file as ``FILE.orig``. Each
    entry is first renamed to a private name, so a writer saving the same name meanwhile is seen on
    the next pass instead of deleted. Never crosses into another filesystem or follows a link.
    """

    def __init__(
        self,
        old: Path,
        target: Path,
        trusted: Mapping[str, str],
        placed: Mapping[str, int],
        moved: Mapping[str, str] | None = None,
        *,
        in_run: bool = False,
    ) -> None:
        self.in_run = in_run  # disposing of this run's own old folder (else: a crashed run's leftover)
        # a crashed run's staging folder (not this run's old folder, which the exchange leaves under that name)
        sibling = _SIBLING_RE.search(old.name)
        self.staging = not in_run and sibling is not None and sibling.group(1) == "staging"
        self.old, self.target = old, target
        self.moved = dict(moved or {})  # entries this write kept as .orig: old path -> new path
        self.trusted = dict(trusted)
        self.placed = dict(placed)
        self.result = _Disposal(old, False, [], [], [])
        self.dev = os.lstat(old).st_dev
        self.mounts = {str(m) for m in _mounts_inside(old)}
        self.inodes = self._inodes(target) if not in_run else set()
        self.seen: set[str] = set()  # every path met in the old folder

    def _inodes(self, root: Path) -> set[int]:
        found: set[int] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                with contextlib.suppress(OSError):
                    st = os.lstat(os.path.join(dirpath, name))
                    if st.st_dev == self.dev:
                        found.add(st.st_ino)
            dirnames[:] = [
                d
                for d in dirnames
                if not os.path.islink(os.path.join(dirpath, d))
                and os.lstat(os.path.join(dirpath, d)).st_dev == self.dev
            ]
        return found

    def run(self) -> _Disposal:
        if self.mounts:
            self.result.problems += [f"{m} is a mount point (`umount {m}` first)" for m in sorted(self.mounts)]
            return self.result
        parent_fd = os.open(self.old.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            self.result.removed = self._dir(parent_fd, self.old.name, "", 0)
        finally:
            os.close(parent_fd)
        self._replay_deletions()
        return self.result

    def _replay_deletions(self) -> None:
        """A file guardform copied into the new tree that was deleted (or renamed) in the old one
        while guardform worked: the user meant it gone, so our copy goes too."""
        for rel, ino in sorted(self.placed.items(), reverse=True):
            if rel in self.seen or rel in self.result.carried:
                continue
            live = self.target / rel
            with contextlib.suppress(OSError):
                st = os.lstat(live)
                if st.st_ino == ino and not stat.S_ISDIR(st.st_mode):
                    os.unlink(live)
                elif st.st_ino == ino and stat.S_ISDIR(st.st_mode):
                    os.rmdir(live)  # only when empty

    def _dir(self, parent_fd: int, name: str, rel: str, depth: int) -> bool:
        shown = self.old / rel if rel else self.old
        if depth > 512:
            self.result.problems.append(f"{shown} is nested too deeply")
            return False
        try:
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0), dir_fd=parent_fd)
        except OSError as exc:
            self.result.problems.append(f"{shown}: {exc.strerror}")
            return False
        try:
            if os.fstat(fd).st_dev != self.dev or str(shown) in self.mounts:
                self.result.problems.append(f"{shown} is a mount point; left in place")
                return False
            for _round in range(8):  # a writer may add entries while we work: look again
                # the manifest goes last: until then a crashed cleanup can still prove what is guardform's
                for child in sorted(os.listdir(fd), key=lambda n: (not rel and n == MANIFEST_NAME, n)):
                    self._entry(fd, child, f"{rel}/{child}" if rel else child, depth)
                try:
                    os.rmdir(name, dir_fd=parent_fd)
                    return True
                except OSError as exc:
                    if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        self.result.problems.append(f"{shown}: {exc.strerror}")
                        return False
            self.result.problems.append(f"{shown} kept changing while guardform cleaned it up")
            return False
        finally:
            os.close(fd)

    def _entry(self, fd: int, name: str, rel: str, depth: int) -> None:
        try:
            st = os.lstat(name, dir_fd=fd)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.result.problems.append(f"{self.old / rel}: {exc.strerror}")
            return
        if stat.S_ISDIR(st.st_mode):
            self.seen.add(rel)
            self._dir(fd, name, rel, depth + 1)
            return
        self.seen.add(rel.removesuffix(_PRIVATE))
        if name.endswith(_PRIVATE):  # set aside by a cleanup that was interrupted
            private, name = name, name.removesuffix(_PRIVATE)
            rel = rel.removesuffix(_PRIVATE)
        elif len(os.fsencode(name + _PRIVATE)) <= _NAME_MAX:
            private = name + _PRIVATE
        else:
            private = name  # no room for a private name: decide on the entry where it is
        try:
            if private != name:
                os.rename(name, private, src_dir_fd=fd, dst_dir_fd=fd)
            st = os.lstat(private, dir_fd=fd)
            if self._redundant(fd, private, rel, st):
                os.unlink(private, dir_fd=fd)
            else:
                self._carry(fd, private, name, rel, st)
        except (OSError, OutputError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.result.problems.append(f"{self.old / rel}: {why}")
            with contextlib.suppress(OSError):  # put it back under its own name if that is still free
                if private != name and not os.path.lexists((self.old / rel).parent / name):
                    os.rename(private, name, src_dir_fd=fd, dst_dir_fd=fd)

    def _redundant(self, fd: int, private: str, rel: str, st: os.stat_result) -> bool:
        if rel == MANIFEST_NAME:
            return True  # guardform's own record, replaced by the new one
        if self.staging and stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and _is_part(rel.rsplit("/", 1)[-1]):
            return True  # a crashed run's half-written file, under the private name it is written to
        live = self.target / self._moved(rel)
        if st.st_nlink > 1:
            with contextlib.suppress(OSError):
                if os.lstat(live).st_ino == st.st_ino:
                    return True  # the stack folder still links this very file at this path
            if not self.in_run and st.st_ino in self.inodes:
                return True  # (a crashed run's leftover: linked anywhere in the stack folder will do)
        if stat.S_ISLNK(st.st_mode):
            with contextlib.suppress(OSError):
                return os.path.islink(live) and os.readlink(private, dir_fd=fd) == os.readlink(live)
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        recorded = self.trusted.get(rel)
        if recorded is not None and _file_sha(fd, private) == recorded:
            return True  # exactly what guardform wrote there
        return _same_file(fd, private, live, st.st_size)

    def _moved(self, rel: str) -> str:
        parts = rel.split("/")
        for i in range(len(parts), 0, -1):
            head = "/".join(parts[:i])
            if head in self.moved:
                return "/".join([self.moved[head], *parts[i:]])
        return rel

    def _carry(self, fd: int, private: str, name: str, rel: str, st: os.stat_result) -> None:
        """Move a file that is not in the stack folder into it, never replacing anything but our own
        stale link of it."""
        self._parents(rel)
        live = self.target / rel
        src = (self.old / rel).parent / private
        try:
            live_st = os.lstat(live)
        except FileNotFoundError:
            live_st = None
        if live_st is not None and self.placed.get(rel) == live_st.st_ino and not stat.S_ISDIR(live_st.st_mode):
            os.rename(private, live, src_dir_fd=fd)  # the user saved a newer version: it replaces ours
            self.result.carried.append(rel)
            return
        dest = rel if live_st is None else _orig_name(self.target, rel, set())
        try:
            os.link(private, self.target / dest, src_dir_fd=fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                dest = _orig_name(self.target, rel, set())
                os.link(private, self.target / dest, src_dir_fd=fd, follow_symlinks=False)
            elif _renameat2(src, self.target / dest, _RENAME_NOREPLACE):  # no hard links on this filesystem
                self._note(rel, dest)
                return
            else:
                raise
        os.unlink(private, dir_fd=fd)
        self._note(rel, dest)

    def _note(self, rel: str, dest: str) -> None:
        if dest == rel:
            self.result.carried.append(rel)
        else:
            self.result.kept.append((rel, dest))

    def _parents(self, rel: str) -> None:
        parts = rel.split("/")[:-1]
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            live = self.target / sub
            try:
                st = os.lstat(live)
            except FileNotFoundError:
                old_st = os.lstat(self.old / sub)
                os.mkdir(live, 0o700)
                _own_like(live, old_st.st_uid, old_st.st_gid, stat.S_IMODE(old_st.st_mode), self.old / sub)
                continue
            if not stat.S_ISDIR(st.st_mode):
                raise OSError(errno.ENOTDIR, f"{live} is not a folder in the new stack")


# --------------------------------------------------------------------------------------------------
# write_stack
# --------------------------------------------------------------------------------------------------

#: how long a second guardform waits for the first one writing in the same folder
DEFAULT_LOCK_TIMEOUT = 120.0


def write_stack(
    files: Mapping[str, str],
    out_dir: str | os.PathLike[str],
    tool_version: str,
    answers_digest: str,
    *,
    force: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> WriteResult:
    """Write one generated stack into ``out_dir`` atomically and record it in the manifest.

    Raises ValueError for an unsafe path in ``files`` (absolute, ``..``, the manifest name) or bad
    metadata, `DriftError` when files were changed by hand or a generated path is taken by a file
    guardform did not write (nothing is written; ``force=True`` overwrites and keeps each such file
    as ``FILE.orig``), and `OutputError` when the folder cannot be written. When another guardform
    is writing in the same parent folder, waits up to ``lock_timeout`` seconds (saying so through
    ``progress``).
    """
    answers_digest = _check_meta(tool_version, answers_digest)
    _check_files(files)  # ValueError before touching anything
    target = _resolve_target(out_dir)
    for rel in files:
        _check_lengths(target / rel)
    with _os_errors(f"write {target}"):
        target.parent.mkdir(parents=True, exist_ok=True)
        return _write_locked(files, target, tool_version, answers_digest, force, lock_timeout, progress)


def _write_locked(
    files: Mapping[str, str],
    target: Path,
    tool_version: str,
    answers_digest: str,
    force: bool,
    lock_timeout: float,
    progress: Callable[[str], None] | None,
) -> WriteResult:
    with _locked(target.parent, lock_timeout, progress):
        _restored, warnings = _recover_locked(target)
        plan = _make_plan(files, target, tool_version, answers_digest, take_over=force)
        if plan.manifest_problem not in ("", "absent", "folder absent") and not force:
            raise OutputError(
                f"{target}: {plan.manifest_problem}. guardform cannot tell which files it wrote; "
                "run again with --force to treat existing files as not written by guardform "
                "(each one that differs is kept as FILE.orig, and none is removed)."
            )
        if plan.drift and not force:
            raise DriftError(target, plan.drift)
        unchanged = tuple(plan.unchanged)
        if plan.noop:
            return WriteResult(target, unchanged=unchanged, warnings=tuple(warnings))
        if target.is_dir():
            _refuse_mounts(target)
        kept, disposal = _stage_and_swap(plan, target)
    if disposal is not None:
        kept += disposal.kept
        warnings += disposal.warnings(target)
    return WriteResult(
        target,
        created=tuple(plan.create),
        updated=tuple(plan.update),
        unchanged=unchanged,
        removed=tuple(plan.remove),
        kept_as_orig=tuple(sorted(k for _, k in kept)),
        manifest_written=True,
        kept=tuple(sorted(kept, key=lambda k: k[1])),
        carried=tuple(sorted(disposal.carried)) if disposal else (),
        warnings=tuple(warnings),
    )


def _stage_and_swap(plan: _Plan, target: Path) -> tuple[list[tuple[str, str]], _Disposal | None]:
    """Build the complete new folder in a staging sibling, swap it in, then dispose of the old one.
    Returns what was kept as ``.orig`` (``(path, orig)`` pairs) and the disposal (None for a new folder)."""
    crash = _Crash()
    staging = _free_sibling(target, "staging")
    os.mkdir(staging, 0o700)
    existed = target.is_dir()
    try:
        placed = _prepare_staging(target, staging, existed)
        crash.at("copied")
        _test_point("copied")
        kept = _keep_as_orig(plan, staging)  # 1. what force keeps as .orig
        _remove_retired(plan, staging)  # 2. what guardform no longer generates
        _write_generated(plan, staging, crash)  # 3. the manifest, then the new and changed files
        _fsync_tree(staging)
        _fsync_dir(target.parent)
        _test_point("staged")
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
        return kept, None
    old = _swap_in(staging, target, crash)
    crash.at("swapped")
    _test_point("swapped")
    # 5. delete the old folder
    return kept, _dispose_old(plan, old, target, placed, kept)


def _prepare_staging(target: Path, staging: Path, existed: bool) -> dict[str, int]:
    """Fill staging with the old folder (hard links; returns the inodes placed, per path), or, for a new
    folder, give it the owner and mode the folder would get."""
    if existed:
        copier = _Copier(target, staging)
        copier.run()
        return copier.placed
    owner = _owner_for_new(target.parent)
    if owner is not None:
        os.chown(staging, *owner)
    os.chmod(staging, 0o777 & ~_umask())
    return {}


def _keep_as_orig(plan: _Plan, staging: Path) -> list[tuple[str, str]]:
    """Keep hand-edited files and anything in the way as .orig (only reached with force: without
    it write_stack refused). Shallowest first, so a blocking folder is moved once."""
    taken = set(plan.new_files) | {MANIFEST_NAME}
    kept: list[tuple[str, str]] = []
    for rel in sorted(set(plan.keep), key=lambda r: (r.count("/"), r)):
        if os.path.lexists(staging / rel):
            orig = _orig_name(staging, rel, taken)
            os.rename(staging / rel, staging / orig)
            kept.append((rel, orig))
    return kept


def _remove_retired(plan: _Plan, staging: Path) -> None:
    """Remove what guardform no longer generates (unedited files; edited ones were moved)."""
    for rel in plan.remove:
        with contextlib.suppress(FileNotFoundError):
            (staging / rel).unlink()
        _prune_empty(staging, rel)


def _write_generated(plan: _Plan, staging: Path, crash: _Crash) -> None:
    """Write the manifest first (so a crashed run's staging is provably guardform's), then the
    new and changed files."""
    _write_file(staging, MANIFEST_NAME, plan.manifest_bytes)
    crash.wrote()
    for rel in sorted(plan.create + plan.update):
        _write_file(staging, rel, plan.new_files[rel])
        crash.wrote()


def _swap_in(staging: Path, target: Path, crash: _Crash) -> Path:
    """Put the staged folder at ``target``; returns where the old folder now is."""
    if _renameat2_exchange(staging, target):
        old = staging  # the exchange left the old folder under the staging name
        _fsync_dir(target.parent)
    else:
        old = _free_sibling(target, "old")
        os.rename(target, old)
        _fsync_dir(target.parent)
        crash.at("moved-old")
        os.rename(staging, target)
        _fsync_dir(target.parent)
    return old


def _dispose_old(
    plan: _Plan, old: Path, target: Path, placed: dict[str, int], kept: list[tuple[str, str]]
) -> _Disposal:
    """Delete the old folder, moving anything written into it meanwhile into the new one. A failure is
    a warning of the disposal (the new folder is in place); an interrupt first finishes the removal."""
    trusted = plan.manifest.files if plan.manifest else {}
    # generated paths now hold guardform's new files, never a stale link of the user's (even when the
    # filesystem reused an inode number)
    placed = {r: i for r, i in placed.items() if r not in plan.new_files and r != MANIFEST_NAME}
    try:
        return _Disposer(old, target, trusted, placed, dict(kept), in_run=True).run()
    except OSError as exc:  # the new tree is in place: a failed cleanup is a warning, never a failed write
        return _Disposal(old, False, [], [], [f"{old}: {exc.strerror or exc}"])
    except BaseException:
        # Interrupted (Ctrl+C, SIGTERM) while removing the old tree: the new one is in place, so finish the
        # removal (what is left of it; the disposer only ever moves or removes entries) before stopping.
        with contextlib.suppress(Exception):
            _Disposer(old, target, trusted, placed, dict(kept), in_run=True).run()
        raise


def _free_sibling(target: Path, kind: str) -> Path:
    """A name for a temporary sibling that is not taken (an earlier run's leftover may hold ours)."""
    pid = os.getpid()
    for suffix in ["", *map(str, range(100))]:
        path = target.parent / f".{target.name}.guardform-{kind}-{pid}{suffix}"
        if not os.path.lexists(path):
            return path
    raise OutputError(f"too many leftover .{target.name}.guardform-{kind}-* folders in {target.parent}; delete them")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
