"""The access matrix in words (wizard.access.format_access_table): what `guardform explain --access` prints."""

from __future__ import annotations

from pathlib import Path

from wizard.access import access_flows, access_rows, format_access_table
from wizard.answers import load_answers
from wizard.plan import plan

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "restricted-phi-bedrock.yaml"


def test_every_flow_is_one_row_allowed_ones_first() -> None:
    flows = access_flows(plan(load_answers(EXAMPLE).answers))
    rows = access_rows(flows)
    assert len(rows) == len(flows)
    verdicts = [r.verdict for r in rows]
    assert verdicts == sorted(verdicts)  # "can" before "cannot"
    assert verdicts.count("can") == sum(f.expect == "allow" for f in flows)


def test_the_table_says_who_can_do_what_and_when() -> None:
    table = format_access_table(access_flows(plan(load_answers(EXAMPLE).answers)))
    lines = table.splitlines()
    assert lines[0] == "| Who | Can? | Action | On | When | Why |"
    assert all(line.count(" | ") == 5 for line in lines[2:]), [x for x in lines[2:] if x.count(" | ") != 5]
    assert (
        "| the sagemaker_training role | can | `s3:PutObject` | model_artifacts/output/job-1/model.tar.gz | "
        "through the VPC endpoint; naming the artifacts key |" in table
    )
    assert "| cannot | `sagemaker:CreatePresignedNotebookInstanceUrl` |" in table
    assert "outside the VPC endpoint" in table and "with the guardrail version DRAFT" in table
