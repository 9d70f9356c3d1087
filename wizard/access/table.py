"""The access matrix in words: the stack README's "Who can do what" table and ``guardform explain --access``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wizard.access.flow import Flow, Principal, Resource


@dataclass(frozen=True, kw_only=True)
class AccessRow:
    """One flow in words, for the stack README's "Who can do what" table and ``guardform explain --access``."""

    who: str
    verdict: str  # "can" | "cannot"
    action: str
    on: str
    when: str
    why: str


def _who(p: Principal) -> str:
    return {
        "workload_role": f"the {p.name} role",
        "admin_role": f"admin role {p.name}",
        "uploader_role": f"uploader role {p.name}",
        "account_principal": f"{p.name} (a principal of this account)"
        + (f" with {', '.join(p.stack_policies)} attached" if p.stack_policies else ""),
        "other_account": f"{p.name} (another account)",
        "service": p.name,
        "stack_role": f"the stack's {p.name} role",
    }[p.kind]


def _on(r: Resource) -> str:
    names = {
        "object": f"{r.name}/{r.path}",
        "bucket": f"bucket {r.name}",
        "foreign_object": f"another account's bucket like {r.name}",
        "key": f"KMS key {r.name}",
        "model": f"model {r.name}",
        "inference_profile": f"inference profile {r.name}",
        "log_stream": f"{r.name}:{r.path}",
        "log_group": f"log group {r.name}",
        "network_interface": "network interfaces in the private subnets",
        "training_job": f"training job {r.name}",
        "notebook_instance": f"notebook {r.name}",
        "role": f"role {r.name}",
        "foreign_role": "a role of another account",
    }
    return names[r.kind]


def _when(f: Flow) -> str:
    c = f.context
    service = f.principal.kind in ("service", "other_account")
    parts = [] if service else ["through the VPC endpoint" if c.via_vpce else "outside the VPC endpoint"]
    if c.region:
        parts.append(f"in {c.region}")
    if not c.tls:
        parts.append("without TLS")
    if c.caller_account == "other":
        parts.append("for another account")
    if c.kms_key:
        parts.append(f"naming the {c.kms_key} key")
    if c.guardrail != "none":
        parts.append(f"with {'the' if c.guardrail == 'this' else 'another'} guardrail version {c.guardrail_version}")
    if c.via_aws_service:
        parts.append("through another AWS service")
    if c.job is not None:
        j = c.job
        unmet = [
            name
            for name, bad in (
                ("outside the VPC", not j.in_vpc),
                ("without network isolation", not j.network_isolation),
                ("without inter-container encryption", not j.inter_container_encryption),
                ("without a volume key", j.volume_key is None),
                ("with internet access", j.direct_internet_access),
                ("with root access", j.root_access),
            )
            if bad
        ]
        keys = [
            f"volume key {j.volume_key}" if j.volume_key else "",
            f"output key {j.output_key}" if j.output_key else "",
        ]
        parts.append(", ".join(unmet) if unmet else "hardened, " + ", ".join(k for k in keys if k))
    return "; ".join(parts) if parts else "—"


def access_rows(flows: tuple[Flow, ...]) -> tuple[AccessRow, ...]:
    """The flows in words, allowed ones first, in declaration order within each."""
    ordered = [f for f in flows if f.expect == "allow"] + [f for f in flows if f.expect == "deny"]
    return tuple(
        AccessRow(
            who=_who(f.principal),
            verdict="can" if f.expect == "allow" else "cannot",
            action=f.action,
            on=_on(f.resource),
            when=_when(f),
            why=f.why,
        )
        for f in ordered
    )


def format_access_table(flows: tuple[Flow, ...]) -> str:
    """The access matrix as a Markdown table (``guardform explain --access`` prints this)."""
    return format_access_rows(access_rows(flows))


def format_access_rows(rows: Iterable[AccessRow]) -> str:
    """Rows of the access matrix as a Markdown table (the stack README and EVIDENCE.md write the same one)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| Who | Can? | Action | On | When | Why |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {cell(r.who)} | {r.verdict} | `{r.action}` | {cell(r.on)} | {cell(r.when)} | {cell(r.why)} |" for r in rows
    ]
    return "\n".join(lines) + "\n"
