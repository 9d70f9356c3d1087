"""HCL literals: a string that parses back to exactly the text it holds, and an object key.

Every user string reaches the generated Terraform through :func:`hcl_string` (quotes, backslashes,
control characters, and Terraform's ``${`` and ``%{`` template sequences are escaped). render.py's filters
and policyhcl.py's policy writer both use these, so neither imports the other for them.
"""

from __future__ import annotations

import re

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def hcl_string(value: object) -> str:
    """A double-quoted HCL string literal that parses back to exactly ``str(value)``."""
    text = str(value)
    out = ['"']
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "$%" and text.startswith("{", i + 1):
            # A literal "${" or "%{" must not start a template sequence. HCL's "$${" escape would do, but
            # python-hcl2 cannot parse it without a closing brace, so the sign is written as a unicode
            # escape, which every HCL parser decodes to a plain character.
            out.append(f"\\u{ord(ch):04x}")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        i += 1
    out.append('"')
    return "".join(out)


def hcl_key(key: object) -> str:
    """An object key: bare when it is an identifier, quoted otherwise."""
    text = str(key)
    return text if IDENT.match(text) else hcl_string(text)
