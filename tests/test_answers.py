"""The answers file: every malformed file is refused with one clear message naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard.answers import (
    Answers,
    AnswersError,
    KeyStrategy,
    NetworkMode,
    Sensitivity,
    answers_json_schema,
    dump_answers_yaml,
    load_answers,
    parse_answers,
)
from wizard.cli import cli

BAD = Path(__file__).parent / "fixtures" / "bad_answers"
EXAMPLES = Path(__file__).parent.parent / "examples"

# file → (field path the message must name, a phrase it must contain, line it must point at or None)
EXPECTED: dict[str, tuple[str, str, int | None]] = {
    "admin-arn-trailing-newline.yaml": ("access.admin_role_arns[0]", "not an IAM role ARN", 4),
    "admin-arns-two-bad.yaml": ("access.admin_role_arns[1]", "'also-bad' is not an IAM role ARN", 4),
    "alias.yaml": ("", "YAML anchor &home is not supported", 1),
    "allowed-regions-missing-region.yaml": ("project.allowed_regions", "must contain", 1),
    "bad-admin-arn.yaml": ("access.admin_role_arns[0]", "not an IAM role ARN", 4),
    "bad-caller.yaml": ("workload.bedrock_callers[0]", "'eks' is not allowed", 2),
    "bad-category.yaml": ("data.categories[0]", "'pci' is not allowed", 3),
    "bad-email.yaml": ("monitoring.alert_email", "not an email address", 4),
    "bad-environment.yaml": ("project.environment", "'production' is not allowed", 1),
    "bad-json.json": ("", "not valid JSON", 1),
    "bad-kind.yaml": ("workload.kinds[0]", "'sagemaker_trainig' is not allowed", 2),
    "bad-name.yaml": ("project.name", "lowercase letters", 1),
    "bad-notebook-type.yaml": ("workload.notebook_instance_type", "'ml.p5.48xlarge' is not allowed", 2),
    "bad-region.yaml": ("project.region", "did you mean 'us-east-2'", 1),
    "bad-sensitivity.yaml": ("data.sensitivity", "'secret' is not allowed", 3),
    "bad-subnet-id.yaml": ("network.private_subnet_ids[0]", "not a subnet id", 4),
    "bedrock-without-models.yaml": ("workload.bedrock_models", "at least one model", 2),
    "cidr-too-small.yaml": ("network.cidr", "between /16 and /24", 4),
    "deletion-window.yaml": ("keys.deletion_window_days", "between 7 and 30", 4),
    "deep-nesting.yaml": ("", "nest more than 10 levels deep", 4),
    "duplicate-kind.yaml": ("workload.kinds", "listed twice", 2),
    "empty.yaml": ("", "empty", None),
    "existing-one-subnet.yaml": ("network.private_subnet_ids", "at least two", 4),
    "existing-without-vpc.yaml": ("network.vpc_id", "required when mode is 'existing'", 4),
    "global-profile.yaml": ("workload.bedrock_models[0]", "global inference profile", 2),
    "huge-integer.yaml": ("", "a number with 5000 characters", 4),
    "missing-data.yaml": ("data", "is required", None),
    "missing-region.yaml": ("project.region", "is required", 1),
    "models-without-bedrock.yaml": ("workload.bedrock_models", "must be empty", 2),
    "name-trailing-newline.yaml": ("project.name", "lowercase letters", 1),
    "name-too-long.yaml": ("project.name", "3-32 characters", 1),
    "no-kinds.yaml": ("workload.kinds", "at least one", 2),
    "notebook-type-without-notebook.yaml": (
        "workload.notebook_instance_type",
        "only applies with a sagemaker_notebook workload",
        2,
    ),
    "only-comments.yaml": ("", "holds no answers", None),
    "owner-bidi-override.yaml": ("project.owner", "contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 6", 1),
    "owner-line-separator.yaml": ("project.owner", "contains U+2028 (LINE SEPARATOR) at character 5, a line break", 1),
    "owner-newline.yaml": ("project.owner", "single line", 1),
    "owner-not-a-tag-value.yaml": ("project.owner", "contains '(' at character 6; an AWS tag value holds only", 1),
    "public-cidr.yaml": ("network.cidr", "not a private (RFC 1918) range", 4),
    "retention-below-hipaa.yaml": ("monitoring.log_retention_days", "below the 2192 days", 4),
    "retention-not-allowed.yaml": ("monitoring.log_retention_days", "not a CloudWatch Logs retention period", 4),
    "rotation-not-number.yaml": ("keys.rotation_days", "whole number", 4),
    "rotation-boolean.yaml": ("keys.rotation_days", "must be a whole number, not true (a yes/no value)", 4),
    "rotation-too-short.yaml": ("keys.rotation_days", "between 90 and 2560", 4),
    "section-not-mapping.yaml": ("project", "mapping", 1),
    "single-key-confidential.yaml": ("keys.strategy", "only allowed for public and internal", 4),
    "syntax-error.yaml": ("", "YAML syntax error", 4),
    "three-azs-four.yaml": ("network.availability_zones", "2 or 3", 4),
    "top-level-list.yaml": ("", "not a list", 1),
    "unknown-nested-key.yaml": ("project.regoin", "did you mean 'region'", 1),
    "unknown-top-key.yaml": ("netwrok", "did you mean 'network'", 4),
    "usage-fractional-count.yaml": ("usage.s3_reads_per_month", "must be a whole number (a count), not 2.5", 5),
    "usage-negative.yaml": ("usage.training_data_gb", "must be zero or more, not -5", 5),
    "usage-too-many-hours.yaml": ("usage.notebook_hours_per_month", "must be at most 744", 5),
    "usage-unknown-field.yaml": ("usage.training_data", "did you mean 'training_data_gb'", 5),
    "version-newer.yaml": ("version", "newer than this guardform", 1),
    "version-text.yaml": ("version", "whole number", 1),
    "vpc-id-with-new.yaml": ("network.vpc_id", "only applies when mode is 'existing'", 4),
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_answers_exit_2_naming_the_field_and_write_nothing(name: str, tmp_path: Path) -> None:
    field, phrase, line = EXPECTED[name]
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", "--answers", str(BAD / name), "--out", str(out), "--no-scan"])
    assert result.exit_code == 2, result.output
    text = result.output
    assert "Traceback" not in text
    assert phrase in text
    where = f"{BAD / name}:{line}: " if line is not None else f"{BAD / name}: "
    expected_line = where + (f"{field}: " if field else "")
    assert expected_line in text, text
    assert "nothing was written" in text
    assert not out.exists()


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("project:\n  name: X\n  region: mars-1\nworkload: {kinds: [rocket]}\ndata: {sensitivity: secret}\n")
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    fields = [issue.field for issue in info.value.issues]
    assert fields == ["project.name", "project.region", "workload.kinds[0]", "data.sensitivity"]
    assert [issue.line for issue in info.value.issues] == [2, 3, 4, 5]


def test_defaults_fill_everything_not_required() -> None:
    answers = parse_answers(
        "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
        "data: {sensitivity: internal}\n"
    ).answers
    assert answers.version == 1
    assert answers.project.environment.value == "dev"
    assert answers.project.allowed_regions == ["us-east-1"]
    assert [c.value for c in answers.workload.bedrock_callers] == ["lambda"]
    assert answers.network.mode is NetworkMode.new
    assert answers.network.cidr == "10.0.0.0/16"
    assert answers.network.availability_zones == 2
    assert answers.keys.strategy is KeyStrategy.per_purpose
    assert (answers.keys.rotation_days, answers.keys.deletion_window_days) == (365, 30)
    assert answers.monitoring.log_retention_days is None


def test_every_usage_problem_is_reported_in_one_pass_with_its_line() -> None:
    text = (
        "project: {name: fraud-scoring, region: us-east-1}\n"
        "workload: {kinds: [sagemaker_training], notebook_instance_type: ml.t3.large}\n"
        "data: {sensitivity: internal}\n"
        "usage:\n"
        "  training_data_gb: -1\n"
        "  s3_writes_per_month: 1.5\n"
        "  log_gb_per_month: lots\n"
        "  kms_requests_per_month: true\n"
        "  flow_log_gb_per_month: .nan\n"
        "  notebook_hours: 5\n"
    )
    with pytest.raises(AnswersError) as info:
        parse_answers(text, source="my.yaml")
    got = [(i.field, i.line) for i in info.value.issues]
    assert got == [
        ("workload.notebook_instance_type", 2),
        ("usage.training_data_gb", 5),
        ("usage.s3_writes_per_month", 6),
        ("usage.log_gb_per_month", 7),
        ("usage.kms_requests_per_month", 8),
        ("usage.flow_log_gb_per_month", 9),
        ("usage.notebook_hours", 10),
    ]
    assert "my.yaml:8: usage.kms_requests_per_month: must be a whole number, not true" in str(info.value)


def test_usage_answers_keep_what_was_given_and_whole_numbers_stay_whole() -> None:
    answers = parse_answers(
        "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_notebook]}\n"
        "data: {sensitivity: internal}\nusage: {training_data_gb: 250, s3_reads_per_month: 2.0e6, "
        "notebook_hours_per_month: 0}\n"
    ).answers
    assert answers.usage.given == {
        "training_data_gb": 250.0,
        "s3_reads_per_month": 2_000_000,
        "notebook_hours_per_month": 0.0,
    }
    assert isinstance(answers.usage.s3_reads_per_month, int)
    assert answers.workload.notebook_instance_type is not None
    assert answers.workload.notebook_instance_type.value == "ml.t3.medium"  # the default, with a notebook


def test_json_answers_load_and_errors_carry_lines(tmp_path: Path) -> None:
    good = tmp_path / "a.json"
    good.write_text(
        json.dumps(
            {
                "project": {"name": "fraud-scoring", "region": "us-east-1"},
                "workload": {"kinds": ["bedrock"], "bedrock_models": ["amazon.titan-text-lite-v1"]},
                "data": {"sensitivity": "public"},
            },
            indent=2,
        )
    )
    assert load_answers(good).answers.workload.bedrock_models == ["amazon.titan-text-lite-v1"]
    bad = tmp_path / "b.json"
    bad.write_text(
        '{\n  "project": {\n    "name": "fraud-scoring",\n    "region": "nowhere"\n  },\n'
        '  "workload": {"kinds": ["bedrock"]},\n  "data": {"sensitivity": "public"}\n}\n'
    )
    with pytest.raises(AnswersError) as info:
        load_answers(bad)
    lines = {issue.field: issue.line for issue in info.value.issues}
    assert lines["project.region"] == 4


def test_categories_and_compliance_raise_the_tier() -> None:
    def tier(categories: str, compliance: str = "[]") -> Sensitivity:
        return parse_answers(
            "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
            f"data: {{sensitivity: public, categories: {categories}, compliance: {compliance}}}\n"
        ).answers.effective_sensitivity

    assert tier("[]") is Sensitivity.public
    assert tier("[pii]") is Sensitivity.confidential
    assert tier("[financial]") is Sensitivity.confidential
    assert tier("[credentials]") is Sensitivity.confidential
    assert tier("[phi]") is Sensitivity.restricted
    assert tier("[]", "[pci_dss]") is Sensitivity.restricted
    assert tier("[]", "[gdpr]") is Sensitivity.confidential


def test_saving_a_loaded_file_keeps_comments_and_key_order() -> None:
    text = (EXAMPLES / "confidential-fraud.yaml").read_text()
    loaded = parse_answers(text)
    saved = dump_answers_yaml(loaded.answers, loaded.document)
    assert "# raised to confidential by the financial category" in saved
    assert saved.startswith("# Card-transaction features")
    original_keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    saved_keys = [line.split(":")[0] for line in saved.splitlines() if line and line[0].isalpha()]
    assert saved_keys[: len(original_keys)] == original_keys
    again = parse_answers(saved)
    assert again.answers == loaded.answers


def test_saved_answers_round_trip_and_write_null_explicitly() -> None:
    loaded = parse_answers((EXAMPLES / "internal-training.yaml").read_text())
    fresh = dump_answers_yaml(loaded.answers)
    assert "log_retention_days: null" in fresh
    assert parse_answers(fresh).answers == loaded.answers


def test_schema_describes_every_section_and_forbids_unknown_keys() -> None:
    schema = answers_json_schema()
    assert set(schema["properties"]) == {
        "version",
        "project",
        "workload",
        "data",
        "network",
        "keys",
        "access",
        "monitoring",
        "usage",
    }
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Usage"]["additionalProperties"] is False
    assert set(schema["required"]) == {"project", "workload", "data"}
    project = schema["$defs"]["Project"]
    assert project["additionalProperties"] is False
    assert "description" in project["properties"]["name"]


def test_every_example_loads() -> None:
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert len(examples) >= 4
    tiers = {load_answers(p).answers.effective_sensitivity for p in examples}
    assert tiers == set(Sensitivity)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_saving_an_unchanged_file_gives_it_back_byte_for_byte(example: Path) -> None:
    text = example.read_text()
    loaded = parse_answers(text)
    assert dump_answers_yaml(loaded.answers, loaded.document) == text


def test_saving_adds_only_fields_that_left_their_default() -> None:
    loaded = parse_answers(
        "project: {name: abc, region: us-east-1}  # mine\nworkload: {kinds: [sagemaker_training]}\n"
        "data: {sensitivity: internal}\n"
    )
    changed = loaded.answers.model_copy(deep=True)
    changed.network.availability_zones = 3
    saved = dump_answers_yaml(changed, loaded.document)
    assert saved.startswith("project: {name: abc, region: us-east-1}  # mine\n")
    assert "availability_zones: 3" in saved
    assert "cidr" not in saved and "keys" not in saved and "allowed_regions" not in saved
    assert parse_answers(saved).answers == changed
    # The loaded document itself is left as it was.
    assert dump_answers_yaml(loaded.answers, loaded.document).count("network") == 0


def _comments(yaml_text: str) -> dict[str, str]:
    """``section.field`` -> the comment at the end of its line, in an annotated answers file."""
    out: dict[str, str] = {}
    section = ""
    for line in yaml_text.splitlines():
        if line and not line.startswith((" ", "#")):
            section = line.split(":")[0]
        elif line.startswith("  ") and " # " in line:
            key = line.strip().split(":")[0]
            out[f"{section}.{key}"] = line.split(" # ", 1)[1].strip()
    return out


def test_a_new_answers_file_carries_the_readme_template_comments() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    section = readme.split("## The answers file (version 1)", 1)[1]
    template = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    documented = _comments(template)
    fields = {
        f"{section}.{name}"
        for section, info in Answers.model_fields.items()
        if section != "version"
        for name in info.annotation.model_fields  # type: ignore[union-attr]
    }
    assert set(documented) == fields  # every field but version
    loaded = parse_answers((EXAMPLES / "restricted-phi-bedrock.yaml").read_text())
    fresh = dump_answers_yaml(loaded.answers)
    written = _comments(fresh)
    assert set(written) == set(documented)
    for field, comment in documented.items():
        assert written[field].startswith(comment), field
    assert fresh.startswith("# guardform answers file (version 1)")
    assert parse_answers(fresh).answers == loaded.answers


@pytest.mark.parametrize(
    ("data", "note"),
    [
        ("{sensitivity: internal}", "effective tier: internal (as declared)"),
        ("{sensitivity: public, categories: [pii]}", "effective tier: confidential (raised by pii)"),
        (
            "{sensitivity: internal, categories: [financial], compliance: [hipaa]}",
            "effective tier: restricted (raised by financial, hipaa)",
        ),
    ],
)
def test_a_new_answers_file_notes_the_effective_tier_beside_the_declared_one(data: str, note: str) -> None:
    head = "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
    answers = parse_answers(f"{head}data: {data}\n").answers
    line = next(line for line in dump_answers_yaml(answers).splitlines() if line.strip().startswith("sensitivity:"))
    assert line.endswith("# public | internal | confidential | restricted; " + note)
