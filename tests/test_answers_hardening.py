"""Hostile answers files (issue 12) and problems reported all at once (issue 10): each is refused with a
clear ``AnswersError`` naming the field and line, never a hang, a traceback or a file that renders wrong."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard.answers import AnswerIssue, AnswersError, load_answers, parse_answers
from wizard.cli import cli

BASE = (
    "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
    "data: {sensitivity: internal}\n"
)


def _issues(text: str, fmt: str = "yaml") -> list[AnswerIssue]:
    with pytest.raises(AnswersError) as info:
        parse_answers(text, source="a." + fmt, fmt=fmt)  # type: ignore[arg-type]
    return info.value.issues


def _one(text: str, fmt: str = "yaml") -> AnswerIssue:
    issues = _issues(text, fmt)
    assert len(issues) == 1, issues
    return issues[0]


# --------------------------------------------------------------------------------------------------
# Hangs and crashes (#6, #7, #9)
# --------------------------------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    # The 669-byte file of the report: nine levels, each nine aliases of the one before (9**9 leaves).
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 9)}]")
    issue = _one("\n".join(lines) + "\n" + BASE)
    assert "anchor &a0 is not supported" in issue.message
    assert issue.line == 1


def test_an_alias_is_refused_naming_its_line() -> None:
    issue = _one(BASE + "access: {admin_role_arns: *roles}\n")
    assert issue.message.startswith("YAML alias *roles is not supported in answers files")
    assert issue.line == 4


def test_a_merge_key_is_refused_as_the_alias_it_is() -> None:
    issue = _one(BASE.replace("project: {", "project: {<<: *base, "))
    assert "alias *base" in issue.message


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!custom", "!!binary", "!!timestamp"])
def test_tags_beyond_the_core_types_are_refused(tag: str) -> None:
    issue = _one(BASE.replace("sensitivity: internal", f"sensitivity: {tag} aGk="))
    assert "YAML tag" in issue.message and issue.line == 3


def test_core_tags_that_restate_a_type_are_accepted() -> None:
    answers = parse_answers(BASE.replace("region: us-east-1}", "region: us-east-1, owner: !!str 1234}")).answers
    assert answers.project.owner == "1234"


@pytest.mark.parametrize("depth", [11, 250, 5000])
def test_deep_yaml_nesting_is_refused_without_recursion(depth: int) -> None:
    for text in (
        BASE + "keys: " + "[" * depth + "]" * depth + "\n",
        BASE + "keys:\n" + "".join(" " * i + "-\n" for i in range(1, min(depth, 1000) + 1)),
    ):
        issue = _one(text)
        assert "nest more than 10 levels deep" in issue.message
        assert issue.line is not None and issue.line >= 4


@pytest.mark.parametrize("depth", [11, 1000, 100_000])
def test_deep_json_nesting_is_refused_without_recursion(depth: int) -> None:
    text = '{"project": {"name": "fraud-scoring", "region": "us-east-1"},\n "x": ' + "[" * depth + "]" * depth + "}"
    issue = _one(text, "json")
    assert "nest more than 10 levels deep" in issue.message
    assert issue.line == 2


def test_nesting_an_answers_file_needs_is_accepted() -> None:
    # Sections, fields and lists: three levels; the bound leaves room for a list nested by mistake.
    issues = _issues(BASE.replace("[sagemaker_training]", "[[[sagemaker_training]]]"))
    assert [i.field for i in issues] == ["workload.kinds[0]"]


@pytest.mark.parametrize(
    ("fmt", "number"),
    [
        ("yaml", "9" * 5000),
        ("yaml", "-" + "1" * 4301),
        ("yaml", "0x" + "f" * 5000),  # hex: str() of it would fail
        ("json", "9" * 5000),
        ("json", "-" + "1" * 4301),
    ],
)
def test_huge_integers_are_refused_naming_the_line(fmt: str, number: str) -> None:
    if fmt == "yaml":
        text = BASE + f"keys:\n  rotation_days: {number}\n"
        line = 5
    else:
        text = (
            '{"project": {"name": "fraud-scoring", "region": "us-east-1"},\n"workload": {"kinds": ["bedrock"]},\n'
            f'"data": {{"sensitivity": "public"}},\n"keys": {{"rotation_days": {number}}}}}\n'
        )
        line = 4
    issue = _one(text, fmt)
    assert f"a number with {len(number)} characters" in issue.message
    assert issue.line == line


def test_a_big_number_the_model_refuses_is_shown_without_converting_it() -> None:
    # Under the parse-time bound but still far out of range: the message must not print it in full.
    issue = _one(BASE + f"keys: {{rotation_days: {'9' * 99}}}\n")
    assert issue.field == "keys.rotation_days" and "between 90 and 2560" in issue.message


def test_twenty_thousand_unknown_keys_are_refused_as_the_wrong_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(BASE + "".join(f"k{i}: 1\n" for i in range(20_000)))
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    assert info.value.issues == [
        AnswerIssue(
            "",
            "holds more than 10000 values (keys and items) by this line; an "
            "answers file has a few dozen (is this the right file?)",
            4996,
        )
    ]


def test_thousands_of_problems_are_all_counted_and_fifty_shown(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(BASE + "".join(f"k{i}: 1\n" for i in range(3000)))
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    assert len(info.value.issues) == 3000
    text = info.value.format()
    assert text.count("unknown field") == 50
    assert text.endswith(f"{path}: ... and 2950 more problems not shown; fix these and run again")
    result = CliRunner().invoke(cli, ["generate", "--answers", str(path), "--out", str(tmp_path / "o"), "--no-scan"])
    assert result.exit_code == 2 and "has 3000 problems" in result.output


def test_de_duplication_compares_each_issue_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    # A list-membership de-duplication compares every issue with every earlier one (66 s for 20,000).
    from wizard.answers import errors

    calls = 0
    original = AnswerIssue.__eq__

    def counting(self: AnswerIssue, other: object) -> bool:
        nonlocal calls
        calls += 1
        return original(self, other)

    monkeypatch.setattr(AnswerIssue, "__eq__", counting)
    issues = [AnswerIssue(f"k{i}", "unknown field", i) for i in range(5000)]
    assert errors._dedupe([*issues, issues[0]]) == issues
    assert calls < 10 * len(issues)


# --------------------------------------------------------------------------------------------------
# Size bounds and byte order marks (#16)
# --------------------------------------------------------------------------------------------------


def test_a_file_over_one_mib_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(BASE + "# " + "x" * (50 * 1024 * 1024) + "\n")
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    assert info.value.format() == (
        f"{path}: is larger than 1 MiB; an answers file is a few kilobytes (is this the right file?)"
    )


def test_a_long_comment_under_the_bound_is_not_copied_into_the_stack(tmp_path: Path) -> None:
    # The stack's answers copy keeps comments; the bound caps what it can copy at the file's 1 MiB.
    path = tmp_path / "a.yaml"
    path.write_text(BASE + "# " + "x" * (2 * 1024 * 1024) + "\n")
    result = CliRunner().invoke(cli, ["generate", "--answers", str(path), "--out", str(tmp_path / "o"), "--no-scan"])
    assert result.exit_code == 2 and "larger than 1 MiB" in result.output
    assert not (tmp_path / "o").exists()


def test_a_huge_owner_is_refused_by_its_length() -> None:
    issue = _one(BASE.replace("region: us-east-1}", f"region: us-east-1, owner: {'x' * 300_000}}}"))
    assert issue.field == "project.owner"
    assert issue.message == "must be at most 256 characters long, not 300000"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_byte_order_mark_is_accepted_in_both_formats(fmt: str, tmp_path: Path) -> None:
    data = {
        "project": {"name": "fraud-scoring", "region": "us-east-1"},
        "workload": {"kinds": ["bedrock"], "bedrock_models": ["amazon.titan-text-lite-v1"]},
        "data": {"sensitivity": "public"},
    }
    path = tmp_path / f"a.{fmt}"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data, indent=2).encode())
    assert load_answers(path).answers.project.name == "fraud-scoring"


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(BASE.encode() + b"keys: {strategy: \xff}\n")
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    byte = len(BASE.encode()) + len(b"keys: {strategy: ") + 1
    assert info.value.issues == [AnswerIssue("", f"is not UTF-8 text (byte {byte})", 4)]


# --------------------------------------------------------------------------------------------------
# Values that render wrong (#11, #12) and booleans (#16)
# --------------------------------------------------------------------------------------------------

TRAILING_NEWLINE = {
    "project.name": ('project: {name: "demo-stack\\n", region: us-east-1}\n', 1),
    "network.vpc_id": (
        'network: {mode: existing, vpc_id: "vpc-0a1b2c3d\\n", private_subnet_ids: [subnet-0a1b2c3d, '
        "subnet-1a1b2c3d], route_table_ids: [rtb-0a1b2c3d]}\n",
        4,
    ),
    "network.private_subnet_ids[1]": (
        "network: {mode: existing, vpc_id: vpc-0a1b2c3d, private_subnet_ids: "
        '[subnet-0a1b2c3d, "subnet-1a1b2c3d\\n"], '
        "route_table_ids: [rtb-0a1b2c3d]}\n",
        4,
    ),
    "network.route_table_ids[0]": (
        "network: {mode: existing, vpc_id: vpc-0a1b2c3d, private_subnet_ids: "
        '[subnet-0a1b2c3d, subnet-1a1b2c3d], route_table_ids: ["rtb-0a1b2c3d\\n"]}\n',
        4,
    ),
    "workload.bedrock_models[0]": (
        'workload: {kinds: [bedrock], bedrock_models: ["amazon.titan-text-lite-v1\\n"]}\n',
        2,
    ),
    "access.admin_role_arns[0]": ('access: {admin_role_arns: ["arn:aws:iam::123456789012:role/admin\\n"]}\n', 4),
    "monitoring.alert_email": ('monitoring: {alert_email: "sec@example.com\\n"}\n', 4),
    "network.cidr": ('network: {cidr: "10.0.0.0/16\\n"}\n', 4),
    "project.region": ('project: {name: demo-stack, region: "us-east-1\\n"}\n', 1),
}


def _with(section_line: str) -> str:
    key = section_line.split(":")[0]
    lines = [line for line in BASE.splitlines(keepends=True) if not line.startswith(key + ":")]
    order = ["project", "workload", "data", "network", "keys", "access", "monitoring"]
    lines.append(section_line)
    return "".join(sorted(lines, key=lambda line: order.index(line.split(":")[0])))


@pytest.mark.parametrize("field", sorted(TRAILING_NEWLINE))
def test_a_trailing_newline_is_refused_in_every_pattern_field(field: str) -> None:
    text, line = TRAILING_NEWLINE[field]
    issue = _one(_with(text))
    assert (issue.field, issue.line) == (field, line)
    if field != "project.name":
        assert "\\n" in issue.message  # the value is shown, escaped


def test_digits_outside_ascii_are_not_account_ids() -> None:
    arn = "arn:aws:iam::" + "\u0661" * 12 + ":role/admin"  # ARABIC-INDIC DIGIT ONE; \d matched it
    issue = _one(_with(f'access: {{admin_role_arns: ["{arn}"]}}\n'))
    assert issue.field == "access.admin_role_arns[0]" and "not an IAM role ARN" in issue.message


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u2028", "U+2028 (LINE SEPARATOR)"),
        ("\u2029", "U+2029 (PARAGRAPH SEPARATOR)"),
        ("\u0085", "U+0085 (NEXT LINE)"),
        ("\u009b", "U+009B"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("\t", "U+0009 (TAB)"),
        ("\x1b", "U+001B"),
    ],
)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_control_and_formatting_characters_in_free_text_are_refused_by_name(char: str, name: str, fmt: str) -> None:
    escaped = json.dumps("Team" + char + "AI")  # a JSON string is a YAML double-quoted string too
    if fmt == "yaml":
        text = _with(f"project: {{name: fraud-scoring, region: us-east-1, owner: {escaped}}}\n")
    else:
        text = (
            '{\n"project": {"name": "fraud-scoring", "region": "us-east-1", "owner": ' + escaped + "},\n"
            '"workload": {"kinds": ["sagemaker_training"]}, "data": {"sensitivity": "internal"}}\n'
        )
    issue = _one(text, fmt)
    assert issue.field == "project.owner" and issue.line == (1 if fmt == "yaml" else 2)
    assert f"contains {name}" in issue.message and "at character 5" in issue.message
    assert "single line of visible text" in issue.message


def test_an_unpaired_surrogate_is_refused() -> None:
    issue = _one(_with('project: {name: fraud-scoring, region: us-east-1, owner: "a\\ud800"}\n'))
    assert issue.field == "project.owner" and "unpaired surrogate" in issue.message


def test_free_text_in_other_scripts_is_kept() -> None:
    # Letters and digits of every script, spaces (a no-break space too) and the seven symbols AWS allows.
    owner = "Équipe IA - 機械学習 / Ops_٣ ml-team@example.com key=a+b:c.d\u00a0Ⅻ"
    text = _with(
        "project: {name: fraud-scoring, region: us-east-1, owner: " + json.dumps(owner, ensure_ascii=False) + "}\n"
    )
    assert parse_answers(text).answers.project.owner == owner


#: What an AWS tag value may hold, as the AWS pages state it (IAM's Tag.Value, the tagging best practices):
#: letters, digits and spaces, and _ . : / = + - @. Written out here, not taken from the model.
_TAG_ASCII = set(string.ascii_letters + string.digits + " _.:/=+-@")


@pytest.mark.parametrize("char", [chr(c) for c in range(0x20, 0x7F)])
def test_every_printable_ascii_character_is_kept_exactly_when_aws_takes_it_in_a_tag(char: str) -> None:
    text = _with("project: {name: fraud-scoring, region: us-east-1, owner: " + json.dumps("Team" + char + "AI") + "}\n")
    if char in _TAG_ASCII:
        assert parse_answers(text).answers.project.owner == "Team" + char + "AI"
    else:
        issue = _one(text)
        shown = '"\'"' if char == "'" else f"'{char}'"
        assert issue.field == "project.owner" and issue.line == 1
        assert issue.message == (
            f"contains {shown} at character 5; an AWS tag value holds only letters, digits, spaces and _ . : / = + - @"
        )


@pytest.mark.parametrize(
    ("owner", "shown", "at"),
    [
        ('Team "AI"', "'\"'", 6),
        ("${aws_iam_role.x.arn}", "'$'", 1),
        ("O'Brien", '"\'"', 2),
        ("Payments — ML", "'—' U+2014 (EM DASH)", 10),
        ("“Risk” team", "'“' U+201C (LEFT DOUBLE QUOTATION MARK)", 1),
        ("Fraud €", "'€' U+20AC (EURO SIGN)", 7),
        ("ML 🚀", "'🚀' U+1F680 (ROCKET)", 4),
        ("Team\u00b7AI", "'·' U+00B7 (MIDDLE DOT)", 5),
    ],
)
def test_an_owner_aws_would_refuse_as_a_tag_names_the_first_offending_character(
    owner: str, shown: str, at: int
) -> None:
    issue = _one(
        _with(
            "project: {name: fraud-scoring, region: us-east-1, owner: " + json.dumps(owner, ensure_ascii=False) + "}\n"
        )
    )
    assert issue.field == "project.owner" and issue.line == 1
    assert issue.message.startswith(f"contains {shown} at character {at}; an AWS tag value holds only"), issue.message


def test_a_combining_accent_is_refused_with_the_way_out() -> None:
    # AWS's \p{L} does not match U+0301: "Cafe" + a combining acute fails where the precomposed "Café" passes.
    issue = _one(_with('project: {name: fraud-scoring, region: us-east-1, owner: "Cafe\\u0301 ML"}\n'))
    assert issue.message.startswith("contains U+0301 (COMBINING ACUTE ACCENT) at character 5 (a combining mark:")
    assert "Unicode NFC" in issue.message
    text = _with('project: {name: fraud-scoring, region: us-east-1, owner: "Caf\\u00e9 ML"}\n')
    assert parse_answers(text).answers.project.owner == "Café ML"


def test_an_owner_outside_the_tag_set_is_reported_with_the_other_problems_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "project:\n  name: Fraud\n  region: us-east-1\n  owner: Team (ML)\n"
        "workload: {kinds: [sagemaker_training]}\ndata: {sensitivity: internal}\nkeys: {rotation_days: 10}\n",
        encoding="utf-8",
    )
    with pytest.raises(AnswersError) as info:
        load_answers(path)
    issues = {issue.field: issue for issue in info.value.issues}
    assert set(issues) == {"project.name", "project.owner", "keys.rotation_days"}
    assert (issues["project.owner"].line, issues["project.name"].line, issues["keys.rotation_days"].line) == (4, 2, 7)
    assert f"{path}:4: project.owner: contains '(' at character 6; an AWS tag value" in str(info.value)


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("network", "availability_zones"),
        ("keys", "rotation_days"),
        ("keys", "deletion_window_days"),
        ("monitoring", "log_retention_days"),
    ],
)
@pytest.mark.parametrize("value", ["true", "false"])
def test_a_boolean_is_not_a_number(section: str, field: str, value: str) -> None:
    issue = _one(_with(f"{section}: {{{field}: {value}}}\n"))
    assert issue.field == f"{section}.{field}"
    assert issue.message == f"must be a whole number, not {value} (a yes/no value)"


def test_an_unknown_key_with_control_characters_is_shown_escaped() -> None:
    issue = _one(BASE + '"evil\\e]0;title\\a": 1\n')
    assert issue.field == repr("evil\x1b]0;title\x07")
    assert "\x1b" not in AnswersError([issue]).format()


# --------------------------------------------------------------------------------------------------
# Every problem in one pass (issue 10)
# --------------------------------------------------------------------------------------------------


def test_every_bad_item_of_a_list_is_reported() -> None:
    issues = _issues(_with("access: {admin_role_arns: [BreakGlass, also-bad]}\n"))
    assert [i.field for i in issues] == ["access.admin_role_arns[0]", "access.admin_role_arns[1]"]


def test_a_type_error_does_not_hide_the_rules_between_other_fields() -> None:
    text = (
        "project: {name: fraud-scoring, region: us-east-1, allowed_regions: [eu-west-1, mars]}\n"
        "workload: {kinds: [bedrock, rocket]}\n"
        "data: {sensitivity: restricted}\n"
        "network: {mode: existing, vpc_id: vpc-0a1b2c3d, private_subnet_ids: [subnet-xyz]}\n"
        "keys: {strategy: single, rotation_days: 1000, deletion_window_days: x}\n"
        "monitoring: {log_retention_days: 365}\n"
    )
    found = {(i.field, i.line): i.message for i in _issues(text)}
    assert set(found) == {
        ("project.allowed_regions[1]", 1),
        ("workload.kinds[1]", 2),
        ("network.private_subnet_ids[0]", 4),
        ("network.route_table_ids", 4),  # the rule still runs on the fields that validated
        ("keys.deletion_window_days", 5),
        ("keys.strategy", 5),
        ("keys.rotation_days", 5),
        ("monitoring.log_retention_days", 6),
    }
    assert found[("network.route_table_ids", 4)] == "list the private route tables when mode is 'existing'"


def test_rules_that_read_a_field_that_failed_are_skipped_not_guessed() -> None:
    # mode is misspelt: neither "only applies when mode is 'existing'" nor "is required" may be claimed.
    issues = _issues(_with("network: {mode: existng, vpc_id: vpc-0a1b2c3d}\n"))
    assert [i.field for i in issues] == ["network.mode"]
    # sensitivity is missing: the tier rules cannot know the tier.
    issues = _issues(
        "project: {name: fraud-scoring, region: us-east-1}\nworkload: {kinds: [sagemaker_training]}\n"
        "data: {categories: [pii]}\nkeys: {strategy: single}\n"
    )
    assert [i.field for i in issues] == ["data.sensitivity"]


def test_several_broken_rules_are_reported_together_when_every_field_is_valid() -> None:
    issues = _issues(_with("data: {sensitivity: confidential}\n") + "keys: {strategy: single, rotation_days: 730}\n")
    assert [i.field for i in issues] == ["keys.strategy", "keys.rotation_days"]


def test_a_required_section_that_is_wrong_does_not_hide_the_others() -> None:
    issues = _issues("project: [x]\nworkload: {kinds: [bedrock]}\ndata: {sensitivity: internal}\n")
    assert [(i.field, i.line) for i in issues] == [("project", 1), ("workload.bedrock_models", 2)]


def test_validating_the_model_directly_still_stops_at_a_broken_rule() -> None:
    from pydantic import ValidationError

    from wizard.answers import Answers

    with pytest.raises(ValidationError, match="bedrock_models: list at least one model id"):
        Answers.model_validate(
            {
                "project": {"name": "abc", "region": "us-east-1"},
                "workload": {"kinds": ["bedrock"]},
                "data": {"sensitivity": "public"},
            }
        )


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize(
    ("char", "name"),
    [("\x85", "U+0085 (NEXT LINE)"), ("\u2028", "U+2028 (LINE SEPARATOR)"), ("\u2029", "U+2029 (PARAGRAPH SEPARATOR)")],
)
def test_a_raw_line_separator_is_refused_rather_than_folded(fmt: str, char: str, name: str) -> None:
    # ruamel reads these as line breaks even inside a quoted (or JSON) string: "Team<NEL>" became "Team ".
    if fmt == "yaml":
        text = BASE + f'monitoring: {{alert_email: null}}  # note\nkeys: {{strategy: "per{char}purpose"}}\n'
        line = 5
    else:
        text = (
            '{"project": {"name": "fraud-scoring", "region": "us-east-1", "owner": "Team' + char + '"},\n'
            '"workload": {"kinds": ["sagemaker_training"]}, "data": {"sensitivity": "internal"}}\n'
        )
        line = 1
    issue = _one(text, fmt)
    assert issue == AnswerIssue(
        "",
        f"contains {name}, which YAML readers disagree on (a line break to some, a character to others); remove it",
        line,
    )
