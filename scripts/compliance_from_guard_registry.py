"""Check compliance.yaml's requirement ids against AWS's published mappings of the Config rules it cites.

Reads a local clone of github.com/aws-cloudformation/aws-guard-rules-registry (its ``mappings/``
rule-set files map each rule, named after the AWS Config managed rule it mirrors, to the control
ids of a framework) and prints, for every Config rule in ``wizard/data/compliance.yaml``, the ids
per framework, and reports every difference from ``compliance.yaml``'s ``requirements`` lists (which
were taken from it). Run it when the registry changes:

    python scripts/compliance_from_guard_registry.py /path/to/aws-guard-rules-registry

Nothing here runs at guardform run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ruamel.yaml import YAML

RULE_SETS = {
    "hipaa": "rule_set_hipaa_security.json",
    "nist_800_53": "rule_set_nist800_53rev5.json",
    "cis_aws_l1": "rule_set_cis_aws_benchmark_level_1.json",
    "cis_aws_l2": "rule_set_cis_aws_benchmark_level_2.json",
}

# The registry names two rules differently from AWS Config.
ALIASES = {
    "cloudtrail-enabled": "cloud-trail-enabled",
    "multi-region-cloudtrail-enabled": "multi-region-cloud-trail-enabled",
}


def rule_controls(registry: Path, file: str) -> dict[str, list[str]]:
    data = json.loads((registry / "mappings" / file).read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for m in data["mappings"]:
        rule = m["guardFilePath"].rsplit("/", 1)[1].removesuffix(".guard").replace("_", "-")
        out.setdefault(rule, []).extend(m["controls"])
    return out


# PCI DSS is not here: the registry has only the retired v3.2.1 rule set; compliance.yaml gives v4.0
# ids, checked by scripts/compliance_pci_v4.py.
FRAMEWORK_FILES = {"hipaa": "hipaa", "nist_800_53": "nist_800_53", "cis_aws": "cis_aws_l2"}


def main(argv: list[str]) -> int:
    """Compare the requirement ids in compliance.yaml with the registry's; exit 1 on any difference."""
    registry = Path(argv[1])
    data = YAML(typ="safe").load((Path(__file__).parent.parent / "wizard/data/compliance.yaml").read_text())
    tables = {k: rule_controls(registry, f) for k, f in RULE_SETS.items()}
    differences = 0
    for cid, entry in data["controls"].items():
        rules = entry.get("config_rules") or []
        for framework, table_key in FRAMEWORK_FILES.items():
            table = tables[table_key]
            want = sorted({i for r in rules for i in table.get(ALIASES.get(r, r), [])})
            have = sorted((entry.get(framework) or {}).get("requirements") or [])
            if want != have:
                differences += 1
                print(f"{cid} {framework}: compliance.yaml {have} but the registry gives {want}")
    print("no differences" if not differences else f"{differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
