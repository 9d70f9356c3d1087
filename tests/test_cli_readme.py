"""The README says what the command line does: its command list and options table match each command's
--help, its exit-code table matches the top-level help and the code, and every test the "What guardform
guarantees" section cites exists."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from wizard import cli as C

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def long_options(command: click.Command) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--") and o != "--help"}


def test_the_use_list_names_every_command_and_only_those() -> None:
    use = section("Use")
    block = use.split("```sh\n", 1)[1].split("```", 1)[0]
    listed = {m.group(1) for m in re.finditer(r"^guardform (\w+)", block, re.M)}
    assert listed == set(C.cli.commands)


def test_the_options_table_matches_each_commands_help() -> None:
    use = section("Use")
    rows = re.findall(r"^\| `([^|]+?)`(?: \w+)? \| (.+) \|$", use, re.M)
    documented: dict[str, set[str]] = {}
    for names, options in rows:
        for name in re.findall(r"(\w+)(?: \[?[A-Z]+\]?)?", names.replace("`", "")):
            if name in C.cli.commands:
                documented[name] = set(re.findall(r"(--[a-z][a-z-]*)", options))
    assert set(documented) == set(C.cli.commands)
    for name, command in C.cli.commands.items():
        assert documented[name] == long_options(command), name
        help_text = CliRunner().invoke(C.cli, [name, "--help"]).output
        for option in documented[name]:
            assert option in help_text, (name, option)


def test_the_exit_code_table_matches_the_help_and_the_code() -> None:
    table = {int(m.group(1)) for m in re.finditer(r"^\| (\d+) \| ", section("Use"), re.M)}
    codes = {C.EXIT_OK, C.EXIT_FINDINGS, C.EXIT_USAGE, C.EXIT_REFUSED, C.EXIT_SCAN_ERROR}
    codes |= {C.EXIT_INTERRUPTED, C.EXIT_TERMINATED}
    assert table == codes == {0, 1, 2, 3, 4, 130, 143}
    assert {code for _, code, _ in C.failures()} <= codes
    top = CliRunner().invoke(C.cli, ["--help"]).output
    for code in codes:
        assert re.search(rf"^\s+{code}\s", top, re.M), code


def test_every_test_the_guarantees_cite_exists() -> None:
    cited = set(re.findall(r"`(test_\w+)`", section("What guardform guarantees")))
    files = set(re.findall(r"`(test_\w+\.py)`", section("What guardform guarantees")))
    assert len(cited) >= 20
    defined = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    assert cited - {f.removesuffix(".py") for f in files} <= defined, sorted(cited - defined)
    for name in files:
        assert (ROOT / "tests" / name).is_file(), name
