"""Finding checkov, or provisioning a pinned checkov in an isolated environment under the user's cache
folder; the background warm-up the wizard starts."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wizard.paths import cache_root
from wizard.scan.report import Progress, ScanError, _display, _tail
from wizard.scan.runner import PINNED_CHECKOV_VERSION, _checkov_env

# What the managed environment installs.  A module-level variable so tests can point it at
# something that cannot be installed.
CHECKOV_REQUIREMENT = f"checkov=={PINNED_CHECKOV_VERSION}"
CHECKOV_ENV_VAR = "GUARDFORM_CHECKOV"

_MARKER_NAME = "guardform-env.json"
_INSTALL_TIMEOUT_S = 1800
_VERSION_TIMEOUT_S = 300
#: What the first install takes, said before it starts (80-94 s measured on a 2-core machine with a
#: warm package index; a cold download takes longer).
INSTALL_ESTIMATE = "usually 1-2 minutes"
# Install progress: at most one line per _PROGRESS_EVERY_S, and a "still installing" line when the
# installer has said nothing for _HEARTBEAT_S.
_PROGRESS_EVERY_S = 5.0
_HEARTBEAT_S = 15.0

# --------------------------------------------------------------------------------------------
# Resolving and provisioning checkov
# --------------------------------------------------------------------------------------------

_version_cache: dict[tuple[str, int], str | None] = {}
_version_lock = threading.Lock()


def checkov_version(executable: Path) -> str | None:
    """``checkov --version`` (cached per executable and mtime); None when the output is not a
    version.  Raises ScanError when the program cannot be run or exits non-zero."""
    try:
        key = (str(executable), executable.stat().st_mtime_ns)
    except OSError as exc:
        raise ScanError(f"checkov at {executable} cannot be read: {exc}") from exc
    with _version_lock:
        if key in _version_cache:
            return _version_cache[key]
    try:
        proc = subprocess.run(
            [str(executable), "--version"],
            env=_checkov_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_VERSION_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScanError(f"checkov at {executable} cannot be run: {exc}") from exc
    if proc.returncode != 0:
        raise ScanError(
            f"checkov at {executable} does not work: `checkov --version` exited with code "
            f"{proc.returncode}:\n{_tail(proc.stderr or proc.stdout)}\n"
            f"Point {CHECKOV_ENV_VAR} (or --checkov) at a working checkov, or remove this one from PATH "
            "so guardform installs its own."
        )
    lines = proc.stdout.strip().splitlines()
    version = lines[-1].strip() if lines else ""
    result = version if re.fullmatch(r"\d+(\.\d+)+\S*", version) else None
    with _version_lock:
        _version_cache[key] = result
    return result


def _check_version(executable: Path, origin: str, progress: Progress | None) -> None:
    version = checkov_version(executable)
    if progress is None or version == PINNED_CHECKOV_VERSION:
        return
    if version is None:
        progress(
            f"warning: could not tell which checkov version {origin} {executable} is; "
            f"guardform is tested with {PINNED_CHECKOV_VERSION}"
        )
    else:
        progress(
            f"warning: {origin} {executable} is checkov {version}; guardform is tested with "
            f"{PINNED_CHECKOV_VERSION}, so results may differ"
        )


def _executable(raw: str, origin: str) -> Path:
    """A user-given checkov: a path, or a bare program name looked up on PATH."""
    candidate = Path(raw).expanduser()
    if os.sep not in raw and "/" not in raw and not candidate.exists():
        found = shutil.which(raw)
        if found:
            return Path(found)
    if not candidate.exists():
        raise ScanError(f"checkov not found: {origin} {raw} does not exist")
    if candidate.is_dir():
        raise ScanError(f"checkov not usable: {origin} {raw} is a folder, not a program")
    if not os.access(candidate, os.X_OK):
        raise ScanError(f"checkov not usable: {origin} {raw} is not executable")
    return candidate.absolute()


def managed_env_dir() -> Path:
    return cache_root() / f"checkov-{PINNED_CHECKOV_VERSION}"


def _bin_dir(env_dir: Path) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin")


def _env_python(env_dir: Path) -> Path:
    return _bin_dir(env_dir) / ("python.exe" if os.name == "nt" else "python")


def _env_checkov(env_dir: Path) -> Path:
    return _bin_dir(env_dir) / ("checkov.exe" if os.name == "nt" else "checkov")


def _env_is_complete(env_dir: Path) -> bool:
    marker = env_dir / _MARKER_NAME
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("requirement") == CHECKOV_REQUIREMENT
        and _env_checkov(env_dir).is_file()
        and _env_python(env_dir).exists()
    )


def _install_commands(env_dir: Path, requirement: str) -> list[list[str]]:
    uv = shutil.which("uv")
    python = str(_env_python(env_dir))
    if uv:
        return [
            [uv, "venv", "--quiet", "--python", sys.executable, str(env_dir)],
            [uv, "pip", "install", "--python", python, requirement],
        ]
    return [
        [sys.executable, "-m", "venv", str(env_dir)],
        [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", requirement],
    ]


def _install_env() -> dict[str, str]:
    strip = {"PYTHONPATH", "PYTHONHOME", "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in strip}


@contextlib.contextmanager
def _file_lock(path: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """An exclusive advisory lock.  flock locks belong to the open file, so they also exclude
    other threads of this process (a TUI warm-up thread and a scan, say)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _relocate_scripts(bin_dir: Path, old: Path, new: Path) -> None:
    """Console scripts carry their environment's absolute path in their first lines; the env is
    built under a temporary name, so point them at the final name before moving it there."""
    old_b, new_b = os.fsencode(str(old)), os.fsencode(str(new))
    for entry in bin_dir.iterdir():
        if entry.is_symlink() or not entry.is_file() or entry.stat().st_size > 1_000_000:
            continue
        data = entry.read_bytes()
        if old_b in data:
            mode = entry.stat().st_mode
            entry.write_bytes(data.replace(old_b, new_b))
            entry.chmod(mode)


_PIP_COLLECT_RE = re.compile(r"^\s*Collecting ([A-Za-z0-9][A-Za-z0-9._-]*)")
_PIP_DOWNLOAD_RE = re.compile(r"^\s*Downloading (\S+)(?:\s+\(([^)]*)\))?")
_DIST_NAME_RE = re.compile(r"^(.+?)-\d")
_PIP_BUILD_RE = re.compile(r"^\s*Building wheels? for ([A-Za-z0-9._-]+)")
_PIP_INSTALLING_RE = re.compile(r"^\s*Installing collected packages: (.*)$")
_UV_RE = re.compile(r"^\s*(Resolved|Prepared|Installed|Downloaded|Built) (\d+ packages?.*)$")


def condense_installer_line(line: str) -> str | None:
    """One line of pip's (or uv's) output as a short progress step, or None for lines that say
    nothing a user waits for (pure)."""
    text = line.strip()
    if m := _PIP_COLLECT_RE.match(text):
        return f"resolving {m.group(1)}"
    if m := _PIP_DOWNLOAD_RE.match(text):
        filename = m.group(1).rsplit("/", 1)[-1]
        name = (n.group(1) if (n := _DIST_NAME_RE.match(filename)) else filename).split("#", 1)[0]
        size = f" ({m.group(2)})" if m.group(2) else ""
        return f"downloading {name}{size}"
    if m := _PIP_BUILD_RE.match(text):
        return f"building {m.group(1)}"
    if m := _PIP_INSTALLING_RE.match(text):
        count = len([p for p in m.group(1).split(",") if p.strip()])
        return f"installing {count} packages (the longest step)"
    if m := _UV_RE.match(text):
        return f"{m.group(1).lower()} {m.group(2)}"
    return None


class InstallProgress:
    """Turns an installer's stream of steps into progress lines a person can follow: each line
    says the elapsed time and the latest step; at most one per ``every`` seconds, and a "still
    installing" line after ``heartbeat`` seconds of silence.  ``clock`` is injectable for tests."""

    def __init__(
        self,
        say: Progress,
        *,
        every: float = _PROGRESS_EVERY_S,
        heartbeat: float = _HEARTBEAT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._say, self._every, self._heartbeat, self._clock = say, every, heartbeat, clock
        self._start = clock()
        self._last_said: float | None = None
        self._pending: str | None = None

    def _elapsed(self, now: float) -> str:
        seconds = int(now - self._start)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def step(self, text: str) -> None:
        """The installer reached ``text``; said now unless a line was said less than ``every`` ago."""
        self._pending = text
        self.tick()

    def tick(self) -> None:
        """Called regularly: says the pending step when its time has come, or a heartbeat."""
        now = self._clock()
        since = None if self._last_said is None else now - self._last_said
        if self._pending is not None and (since is None or since >= self._every):
            self._say(f"  [{self._elapsed(now)}] {self._pending}")
            self._pending, self._last_said = None, now
        elif self._pending is None and (since if since is not None else now - self._start) >= self._heartbeat:
            self._say(f"  [{self._elapsed(now)}] still installing…")
            self._last_said = now


def _run_install_step(cmd: list[str], final: Path, progress: InstallProgress | None = None) -> None:
    """Run one install command, feeding its condensed output to ``progress``; keep all of it for the
    failure message.  Killed after _INSTALL_TIMEOUT_S."""
    try:
        proc = subprocess.Popen(
            cmd,
            env=_install_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise ScanError(_install_failure(final, cmd, str(exc))) from exc
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, name="guardform-install-output", daemon=True)
    reader.start()
    output: list[str] = []
    deadline = time.monotonic() + _INSTALL_TIMEOUT_S
    try:
        while True:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                if progress:
                    progress.tick()
                if time.monotonic() > deadline:
                    raise ScanError(
                        _install_failure(final, cmd, "".join(output) + f"\n(stopped after {_INSTALL_TIMEOUT_S} s)")
                    ) from None
                continue
            if line is None:
                break
            output.append(line)
            step = condense_installer_line(line)
            if progress and step:
                progress.step(step)
        proc.wait()
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, 9)
            proc.wait()
        reader.join(5)
    if proc.returncode != 0:
        raise ScanError(_install_failure(final, cmd, "".join(output)))


def _install_failure(final: Path, cmd: list[str], output: str) -> str:
    return (
        f"could not install {CHECKOV_REQUIREMENT} into {_display(final)}.\n"
        f"  command: {' '.join(cmd)}\n"
        f"  output (last lines):\n{_tail(output)}\n"
        f"Fix the problem above (network access to the package index, say) and run again, or install "
        f"checkov {PINNED_CHECKOV_VERSION} yourself in its own environment (pipx install "
        f"checkov=={PINNED_CHECKOV_VERSION}) and set {CHECKOV_ENV_VAR}=/path/to/checkov or pass "
        "--checkov /path/to/checkov."
    )


def _provision(progress: Progress | None) -> Path:
    final = managed_env_dir()
    if _env_is_complete(final):
        return _env_checkov(final)

    say = progress or (lambda _msg: None)
    root = final.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(
            f"cannot create {root} for guardform's checkov: {exc}. "
            f"Set {CHECKOV_ENV_VAR} to a checkov you installed yourself."
        ) from exc

    lock = root / f".{final.name}.lock"
    with _file_lock(lock, lambda: say("Waiting for another guardform process to finish installing checkov…")):
        if _env_is_complete(final):  # another process built it while we waited
            return _env_checkov(final)
        # Leftovers of an interrupted build, or an env that is not ours / not complete.  Safe to
        # remove: we hold the lock, so nobody else is building.
        for stale in root.glob(f".{final.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists() or final.is_symlink():
            aside = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=root)) / "old"
            os.replace(final, aside)
            shutil.rmtree(aside.parent, ignore_errors=True)

        say(
            f"Installing checkov {PINNED_CHECKOV_VERSION} into {_display(final)} (first run only, "
            f"{INSTALL_ESTIMATE}; `guardform setup` does this ahead of time)…"
        )
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=root))
        build = work / "env"
        steps = InstallProgress(say) if progress else None
        try:
            for cmd in _install_commands(build, CHECKOV_REQUIREMENT):
                _run_install_step(cmd, final, steps)
            if not _env_checkov(build).is_file():
                raise ScanError(_install_failure(final, ["(install)"], "no checkov program was installed"))
            _relocate_scripts(_bin_dir(build), build, final)
            (build / _MARKER_NAME).write_text(
                json.dumps({"requirement": CHECKOV_REQUIREMENT, "python": sys.executable}, indent=2) + "\n",
                encoding="utf-8",
            )
            os.replace(build, final)  # atomic: the env appears complete or not at all
        finally:
            shutil.rmtree(work, ignore_errors=True)

        # Prove the moved env runs (scripts were relocated); a broken one must not stay behind.
        try:
            version = checkov_version(_env_checkov(final))
        except ScanError as exc:
            shutil.rmtree(final, ignore_errors=True)
            raise ScanError(f"the freshly installed checkov does not run: {exc}") from exc
        say(f"checkov {version or PINNED_CHECKOV_VERSION} is ready.")
    return _env_checkov(final)


def setup_checkov(progress: Progress | None = None) -> Path:
    """Provision guardform's managed checkov now rather than at the first scan (``guardform setup``;
    in CI, cache ``${XDG_CACHE_HOME:-~/.cache}/guardform`` and run this once).  Installs it when
    missing or incomplete, proves it runs, and returns its path.  When $GUARDFORM_CHECKOV or a
    checkov on PATH would be used instead, says so through ``progress``.  Raises ScanError."""
    say = progress or (lambda _msg: None)
    final = managed_env_dir()
    already = _env_is_complete(final)
    exe = _provision(progress)
    version = checkov_version(exe)
    if version != PINNED_CHECKOV_VERSION:
        raise ScanError(
            f"the checkov in {_display(final)} reports version {version!r}, not {PINNED_CHECKOV_VERSION}; "
            f"remove {_display(final)} and run again"
        )
    if already:
        say(f"checkov {version} is already installed in {_display(final)}; nothing to do.")
    env_value = os.environ.get(CHECKOV_ENV_VAR, "")
    on_path = shutil.which("checkov")
    if env_value:
        say(f"note: scans use {CHECKOV_ENV_VAR}={env_value}, not this one, while that variable is set.")
    elif on_path:
        say(f"note: scans use the checkov on PATH ({on_path}), not this one, while it is there.")
    return exe


def resolve_checkov(explicit: str | os.PathLike[str] | None, progress: Progress | None = None) -> Path:
    """Find the checkov program to run: ``explicit`` (CLI --checkov), then $GUARDFORM_CHECKOV, then
    ``checkov`` on PATH, else guardform's managed environment (installed on first use).

    A checkov given or found on PATH is used whatever its version; a version other than
    PINNED_CHECKOV_VERSION is reported through ``progress`` as a warning.  Raises ScanError.
    """
    if explicit is not None and str(explicit):
        path = _executable(os.fspath(explicit), "--checkov")
        _check_version(path, "--checkov", progress)
        return path
    env_value = os.environ.get(CHECKOV_ENV_VAR, "")
    if env_value:
        path = _executable(env_value, f"{CHECKOV_ENV_VAR}=")
        _check_version(path, f"{CHECKOV_ENV_VAR}=", progress)
        return path
    on_path = shutil.which("checkov")
    if on_path:
        path = Path(on_path)
        _check_version(path, "checkov on PATH at", progress)
        return path
    return _provision(progress)


# --------------------------------------------------------------------------------------------
# Warm-up for the TUI
# --------------------------------------------------------------------------------------------


class CheckovPrewarm(threading.Thread):
    """Resolves (and if needed installs) checkov in the background and runs ``checkov --version``
    once so the OS has its files cached by the time the user asks for a scan.  Errors are kept in
    ``error``, never raised; ``checkov`` holds the resolved program on success."""

    def __init__(self, explicit: str | os.PathLike[str] | None = None, progress: Progress | None = None):
        super().__init__(name="guardform-checkov-prewarm", daemon=True)
        self._explicit = explicit
        self._progress = progress
        self.checkov: Path | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            path = resolve_checkov(self._explicit, self._progress)
            checkov_version(path)
            self.checkov = path
        except Exception as exc:  # stored for the caller; a warm-up must never crash the app
            self.error = exc


def prewarm_checkov(explicit: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> CheckovPrewarm:
    """Start a daemon thread that resolves/provisions checkov and warms it up; returns the thread
    (``join()`` it, then read ``.checkov`` or ``.error``)."""
    thread = CheckovPrewarm(explicit, progress)
    thread.start()
    return thread
