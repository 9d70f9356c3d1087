"""The shipped data files (wizard/data/*.yaml) read the same with libyaml's C parser and the pure-Python one.

guardform depends on ruamel.yaml.clib so that ``YAML(typ="safe")`` parses the price and compliance files
in C (0.02 s instead of 0.13 s of every ``generate``); the pure parser is what runs where the C one is
missing, so both must give the same data.
"""

from __future__ import annotations

import platform
from importlib import resources

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.main import CParser

DATA_FILES = ["prices.yaml", "compliance.yaml"]


@pytest.mark.parametrize("name", DATA_FILES)
def test_the_c_and_pure_parsers_read_the_same_data(name: str) -> None:
    text = resources.files("wizard").joinpath(f"data/{name}").read_text(encoding="utf-8")
    fast, pure = YAML(typ="safe"), YAML(typ="safe", pure=True)
    assert pure.Parser is not CParser
    assert repr(fast.load(text)) == repr(pure.load(text))  # repr: 1, 1.0 and True are equal, not the same


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="ruamel.yaml.clib is CPython only")
def test_the_data_files_are_parsed_in_c() -> None:
    assert CParser is not None, "ruamel.yaml.clib is a dependency on CPython; reinstall guardform"
    assert YAML(typ="safe").Parser is CParser
