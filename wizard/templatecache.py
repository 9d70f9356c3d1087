"""Compiled templates kept between runs, under ``${XDG_CACHE_HOME:-~/.cache}/guardform/templates/``.

Compiling guardform's templates is most of what a one-shot ``guardform generate`` costs (about 0.4 s of
0.6 s). This Jinja bytecode cache lets the next process load the compiled code instead. It never writes
into the user's tree, and it can only make a run faster, never change what is rendered:

- an entry is found by the template's name and a fingerprint of everything that shapes the compiled
  code (the Jinja and Python versions and the environment's syntax options), so another Jinja, another
  Python or a changed option reads another file;
- inside the entry, Jinja's own header and the checksum of the template source reject code compiled
  from other source (a template edited since);
- the whole entry carries a SHA-256 of its bytes, so a truncated, corrupt or half-written file is
  detected and the template compiled afresh (and the entry rewritten);
- writes go to a temporary file renamed into place, so concurrent runs never read a half-written entry;
  a cache folder that cannot be written (read-only home, a full disk) is simply not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.environment import Environment

from wizard.paths import cache_root

_MAGIC = b"guardform-jinja-cache 1\n"
_DIGEST = hashlib.sha256().digest_size


def environment_fingerprint(env: Environment) -> str:
    """What, besides the source, decides the code Jinja compiles a template to."""
    autoescape = env.autoescape
    parts = [
        f"jinja2 {jinja2.__version__}",
        f"python {sys.implementation.cache_tag}",
        *(
            repr(getattr(env, name))
            for name in (
                "block_start_string",
                "block_end_string",
                "variable_start_string",
                "variable_end_string",
                "comment_start_string",
                "comment_end_string",
                "line_statement_prefix",
                "line_comment_prefix",
                "trim_blocks",
                "lstrip_blocks",
                "newline_sequence",
                "keep_trailing_newline",
                "optimized",
                "is_async",
            )
        ),
        repr(sorted(env.extensions)),
        repr(autoescape) if isinstance(autoescape, bool) else f"{autoescape.__module__}.{autoescape.__qualname__}",
        f"{env.code_generator_class.__module__}.{env.code_generator_class.__qualname__}",
    ]
    return "\n".join(parts)


class TemplateCache(BytecodeCache):
    """A Jinja bytecode cache in one folder, every entry checked before it is used (see the module)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = hashlib.sha256(
            f"{environment_fingerprint(environment)}\n{name}\n{filename}".encode("utf-8", "surrogateescape")
        ).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def _path(self, bucket: Bucket) -> Path:
        return self.directory / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        start = len(_MAGIC) + _DIGEST
        head, digest, payload = data[: len(_MAGIC)], data[len(_MAGIC) : start], data[start:]
        if head != _MAGIC or hashlib.sha256(payload).digest() != digest:
            return  # not ours, or damaged: compile afresh, and dump_bytecode replaces it
        try:
            bucket.bytecode_from_string(payload)  # resets the bucket on another Jinja/Python or changed source
        except Exception:  # an intact file that Jinja still cannot read: compile afresh
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        payload = bucket.bytecode_to_string()
        data = _MAGIC + hashlib.sha256(payload).digest() + payload
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".jinja")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._path(bucket))
            tmp = None
        except OSError:
            pass  # an unwritable cache only costs the next run the compile
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def clear(self) -> None:
        for entry in self.directory.glob("*.jinja"):
            with contextlib.suppress(OSError):
                entry.unlink()


def user_template_cache() -> TemplateCache:
    """The cache in the user's cache folder."""
    return TemplateCache(cache_root() / "templates")
