"""Helpers the tests share: parse rendered HCL back and decode its string literals."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2

_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t"}


def decode_hcl_string(token: str) -> str:
    """The value of an HCL quoted-string token as python-hcl2 returns it (quotes included)."""
    assert token.startswith('"') and token.endswith('"'), token
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(ch + "{")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_tf(text: str) -> dict[str, Any]:
    return hcl2.loads(text)


def terraform() -> str | None:
    return shutil.which("terraform")


def terraform_fmt_diff(directory: Path) -> str:
    """terraform fmt's diff for a folder ("" when canonical); needs terraform on PATH."""
    exe = terraform()
    assert exe is not None
    result = subprocess.run(
        [exe, "fmt", "-check", "-diff", "-recursive", "-no-color", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 3):
        raise AssertionError(f"terraform fmt failed: {result.stderr}")
    return re.sub(r"(?m)^.*CLI configuration.*$", "", result.stdout).strip()
