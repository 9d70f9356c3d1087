"""Compiled templates kept between runs (wizard/templatecache.py) change how fast a stack renders, never what.

Every example is rendered without a cache, then with a cold cache, a warm one, and one whose every entry
was damaged in one of the ways a disk, an interrupted write or another version of guardform leaves them: the
files must be identical each time. A template edited since, or an environment with other syntax options,
must not pick up code compiled for the old one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

import wizard.render as render_mod
from tests.conftest import EXAMPLES
from wizard.answers import load_answers
from wizard.paths import cache_root
from wizard.pipeline import Pipeline
from wizard.plan import plan
from wizard.render import make_environment, render
from wizard.templatecache import TemplateCache, user_template_cache

PLANS = [plan(load_answers(path).answers) for path in sorted(EXAMPLES.glob("*.yaml"))]
FULL = max(range(len(PLANS)), key=lambda i: len(PLANS[i].modules))  # the example that loads every template


def _render_all(env: Environment, monkeypatch: pytest.MonkeyPatch, only: int | None = None) -> list[dict[str, str]]:
    monkeypatch.setattr(render_mod, "environment", lambda: env)
    return [render(p) for i, p in enumerate(PLANS) if only is None or i == only]


def _compiles(env: Environment) -> list[str]:
    """Record the templates ``env`` compiles from source (a cache hit compiles nothing)."""
    compiled: list[str] = []
    original = env.compile

    def counting(source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append(str(name))
        return original(source, name, *args, **kwargs)  # type: ignore[arg-type]

    env.compile = counting  # type: ignore[method-assign]
    return compiled


@pytest.fixture(scope="module")
def expected() -> list[dict[str, str]]:
    return [render(p) for p in PLANS]  # the shared environment, no cache


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip_payload_byte(data: bytes) -> bytes:
    at = len(data) - 40  # inside the marshalled code, past the headers
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


def _empty(data: bytes) -> bytes:
    return b""


def _garbage(data: bytes) -> bytes:
    return b"\x00\xff" * 300


def _foreign_header(data: bytes) -> bytes:
    return b"j2" + data[2:]


DAMAGE: list[Callable[[bytes], bytes]] = [_truncate, _flip_payload_byte, _empty, _garbage, _foreign_header]


def test_cold_warm_and_damaged_caches_render_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expected: list[dict[str, str]]
) -> None:
    cache_dir = tmp_path / "templates"
    assert _render_all(make_environment(TemplateCache(cache_dir)), monkeypatch) == expected  # cold: fills it
    entries = sorted(cache_dir.glob("*.jinja"))
    assert len(entries) == len({t for t in make_environment().list_templates() if t.endswith(".j2")})

    warm = make_environment(TemplateCache(cache_dir))
    compiled = _compiles(warm)
    assert _render_all(warm, monkeypatch) == expected
    assert compiled == []  # every template came from the cache

    # Every entry damaged at once, each kind of damage on every len(DAMAGE)-th entry (several real entries per
    # kind): one compile of every template, not one per kind.
    assert len(entries) >= 2 * len(DAMAGE)
    kinds = [DAMAGE[i % len(DAMAGE)] for i in range(len(entries))]
    for entry, damage in zip(entries, kinds, strict=True):
        entry.write_bytes(damage(entry.read_bytes()))
    used = ", ".join(sorted({d.__name__ for d in kinds}))
    env = make_environment(TemplateCache(cache_dir))
    compiled = _compiles(env)
    assert _render_all(env, monkeypatch, only=FULL) == [expected[FULL]], used
    assert len(compiled) == len(entries), used  # nothing damaged was used
    # ... and each damaged entry was replaced by a good one
    again = make_environment(TemplateCache(cache_dir))
    compiled = _compiles(again)
    assert _render_all(again, monkeypatch, only=FULL) == [expected[FULL]]
    assert compiled == [], used


def test_another_templates_entry_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an entry renamed to another template's key (a hash collision, a copied file) carries the wrong source
    cache = TemplateCache(tmp_path)
    first = Environment(loader=DictLoader({"a": "A={{ x }}", "b": "B={{ x }}"}), bytecode_cache=cache)
    assert first.get_template("a").render(x=1) == "A=1"
    assert first.get_template("b").render(x=1) == "B=1"
    entries = sorted(tmp_path.glob("*.jinja"))
    entries[1].write_bytes(entries[0].read_bytes())
    second = Environment(loader=DictLoader({"a": "A={{ x }}", "b": "B={{ x }}"}), bytecode_cache=cache)
    assert (second.get_template("a").render(x=2), second.get_template("b").render(x=2)) == ("A=2", "B=2")


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    cache = TemplateCache(tmp_path)
    assert Environment(loader=DictLoader({"t": "old {{ x }}"}), bytecode_cache=cache).get_template("t").render(x=1) == (
        "old 1"
    )
    edited = Environment(loader=DictLoader({"t": "new {{ x }}"}), bytecode_cache=cache)
    assert edited.get_template("t").render(x=1) == "new 1"


def test_other_syntax_options_do_not_share_compiled_code(tmp_path: Path) -> None:
    source = {"t": "{% if x %}\n  yes\n{% endif %}\nend\n"}
    cache = TemplateCache(tmp_path)
    plain = Environment(loader=DictLoader(source), bytecode_cache=cache, keep_trailing_newline=True)
    trimmed = Environment(
        loader=DictLoader(source),
        bytecode_cache=cache,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert plain.get_template("t").render(x=True) == "\n  yes\n\nend\n"
    assert trimmed.get_template("t").render(x=True) == "  yes\nend\n"
    assert len(list(tmp_path.glob("*.jinja"))) == 2


def test_a_cache_folder_that_cannot_be_written_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be\n")
    env = make_environment(TemplateCache(blocked / "templates"))
    assert _render_all(env, monkeypatch)[0] == render(PLANS[0])
    assert blocked.read_text() == "a file where the cache folder would be\n"


@pytest.fixture
def xdg_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    yield tmp_path / "xdg"


def test_the_pipeline_keeps_compiled_templates_in_the_users_cache_folder(
    xdg_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cache_root() == xdg_cache / "guardform"
    assert user_template_cache().directory == xdg_cache / "guardform" / "templates"
    fresh = make_environment()
    monkeypatch.setattr(render_mod, "environment", lambda: fresh)
    pipe = Pipeline()
    loaded = pipe.load(sorted(EXAMPLES.glob("*.yaml"))[0])
    build = pipe.build_loaded(loaded, out_dir=tmp_path / "out")
    assert {e.suffix for e in (xdg_cache / "guardform" / "templates").iterdir()} == {".jinja"}
    monkeypatch.setattr(render_mod, "environment", make_environment)  # a new environment, no cache
    uncached = render(build.plan, build.files["guardform.answers.yaml"])
    assert {k: build.files[k] for k in uncached} == uncached


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_root() == Path.home() / ".cache" / "guardform"
