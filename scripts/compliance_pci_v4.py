"""Check compliance.yaml's PCI DSS v4.0 ids against AWS's table of the same Config rules.

AWS publishes the PCI DSS 4.0 conformance pack's mapping only as a table on the AWS Config page
"Operational Best Practices for PCI DSS 4.0 (Including global resource types)" (its GitHub
template lists the rules without ids). Save that page's table as text (the page's markdown
version, or the Developer Guide PDF's text) and run:

    python scripts/compliance_pci_v4.py saved-table.md

It reads every table row ``| control id | description | rule | guidance |`` (rule names broken over
lines, ``<br>``, ligatures and markdown links are undone), prints the v4.0 ids per Config rule that
compliance.yaml cites, and reports every control whose ``pci_dss`` entry differs from them: ids
that differ, or an ``unmapped`` entry where the table maps one of the control's rules. Exit 1 on
any difference. Nothing here runs at guardform run time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

LIGATURES = {"\ufb01": "fi", "\ufb00": "ff", "\ufb03": "ffi", "\ufb02": "fl", "\ufb04": "ffl"}
CONTROL_ID = re.compile(r"^(A?\d+(\.\d+)*)$")


def _clean(cell: str) -> str:
    for lig, plain in LIGATURES.items():
        cell = cell.replace(lig, plain)
    cell = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)  # markdown link -> its text
    return re.sub(r"<br>|\s|\*", "", cell)


def rule_ids(table: str) -> dict[str, set[str]]:
    """Config rule -> the PCI DSS v4.0 control ids the table maps it to."""
    out: dict[str, set[str]] = {}
    for line in table.splitlines():
        cells = line.strip().split("|")
        if len(cells) < 5:
            continue
        control, rule = _clean(cells[1]), _clean(cells[3])
        if CONTROL_ID.match(control) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule):
            out.setdefault(rule, set()).add(control)
    return out


def differences(compliance: dict[str, object], table: dict[str, set[str]]) -> list[str]:
    """Each control whose pci_dss entry is not what the table gives for its Config rules."""
    found: list[str] = []
    controls = compliance["controls"]
    assert isinstance(controls, dict)
    for cid, entry in controls.items():
        rules = entry.get("config_rules") or []
        want = sorted({i for r in rules for i in table.get(r, ())})
        pci = entry.get("pci_dss") or {}
        have = sorted(pci.get("requirements") or [])
        if want != have:
            found.append(f"{cid}: compliance.yaml {have or 'unmapped'} but the table gives {want or 'none'}")
    return found


def main(argv: list[str]) -> int:
    """Compare the PCI DSS v4.0 ids in compliance.yaml with a saved copy of AWS's table."""
    if len(argv) != 2:
        print(__doc__)
        return 2
    table = rule_ids(Path(argv[1]).read_text(encoding="utf-8"))
    if not table:
        print(f"{argv[1]}: no table rows found")
        return 2
    data = YAML(typ="safe").load((Path(__file__).parent.parent / "wizard/data/compliance.yaml").read_text())
    cited = sorted({r for e in data["controls"].values() for r in e.get("config_rules") or []})
    for rule in cited:
        print(f"{rule}: {', '.join(sorted(table.get(rule, ()))) or '-'}")
    found = differences(data, table)
    for line in found:
        print(line)
    print("no differences" if not found else f"{len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
