"""Writing answers back: YAML that keeps a user's comments, the stack's answers copy, the digest the
manifest records."""

from __future__ import annotations

import io
import json
from typing import Any, Literal

from pydantic import BaseModel

from wizard.answers.load import _plain, _yaml
from wizard.answers.model import Answers
from wizard.answers.vocabulary import DEFAULT_NOTEBOOK_INSTANCE_TYPE, NOTEBOOK_INSTANCE_TYPES, USAGE_INPUTS

# --------------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------------


def answers_to_data(answers: Answers) -> dict[str, Any]:
    """Answers as plain data in file order (enums as their values)."""
    return answers.model_dump(mode="json")


def dump_answers_yaml(answers: Answers, document: Any = None) -> str:
    """YAML text for answers.

    With the document they were loaded from, keep its comments, key order and the fields it left
    out: a field the file did not mention is only added when its value is no longer the default.
    Without one, write every field, annotated as the README's answers template is (a new file shows
    all its choices and what each accepts), with the effective tier beside the declared one. The
    document is not changed.
    """
    import copy

    data = answers_to_data(answers)
    if document is None or not isinstance(document, dict):
        target: Any = _annotated(answers, data)
    else:
        target = copy.deepcopy(document)
        defaults = _default_data(Answers)
        # allowed_regions defaults to [region]: derived, so it is a default whatever the region is.
        defaults["project"]["allowed_regions"] = [data["project"]["region"]]
        # A notebook stack's instance type defaults to ml.t3.medium: also derived, not written unasked.
        if data["workload"]["notebook_instance_type"] == DEFAULT_NOTEBOOK_INSTANCE_TYPE.value:
            defaults["workload"]["notebook_instance_type"] = DEFAULT_NOTEBOOK_INSTANCE_TYPE.value
        _merge_into(target, data, defaults)
    buf = io.StringIO()
    _yaml().dump(target, buf)
    return buf.getvalue()


#: The comment beside each field of a new answers file: the README's annotated answers template says the
#: same (tests/test_answers.py holds the two together).
FIELD_COMMENTS: dict[str, str] = {
    "project.name": "3-32 chars: lowercase letters, digits, hyphens; starts with a letter",
    "project.environment": "dev | staging | prod",
    "project.owner": "the Owner tag: letters, digits, spaces, _ . : / = + - @",
    "project.region": "an AWS region code",
    "project.allowed_regions": "must contain region; all other regions are denied",
    "workload.kinds": "1+ of: sagemaker_training, sagemaker_inference, sagemaker_notebook, bedrock",
    "workload.bedrock_models": "Bedrock model ids; required when bedrock is chosen, else must be empty",
    "workload.bedrock_callers": "who invokes Bedrock: lambda, ecs_tasks, ec2",
    "workload.notebook_instance_type": f"sagemaker_notebook only: {' | '.join(NOTEBOOK_INSTANCE_TYPES)} "
    f"(null: {DEFAULT_NOTEBOOK_INSTANCE_TYPE.value})",
    "data.sensitivity": "public | internal | confidential | restricted",
    "data.categories": "any of: pii, phi, financial, credentials",
    "data.compliance": "any of: hipaa, pci_dss, gdpr, soc2",
    "network.mode": "new | existing",
    "network.cidr": "new: a private (RFC 1918) IPv4 block, /16 to /24",
    "network.availability_zones": "new: 2 or 3",
    "network.vpc_id": "existing: vpc-<hex>",
    "network.private_subnet_ids": "existing: 2+ subnet-<hex>",
    "network.route_table_ids": "existing: rtb-<hex>, for the S3 gateway endpoint",
    "network.existing_endpoints": "existing: endpoints the VPC has ({s3: vpce-<hex>, ...}), reused",
    "keys.strategy": "per_purpose | single (single: public and internal data only)",
    "keys.rotation_days": "90-2560 (at most 365 from confidential up)",
    "keys.deletion_window_days": "7-30",
    "access.admin_role_arns": "IAM role ARNs exempt from the data perimeter (break-glass, data admins)",
    "access.data_uploader_role_arns": "IAM role ARNs that upload training data, through the VPC endpoint only",
    "monitoring.log_retention_days": "null: derived (at least 365; longer where sensitivity or compliance asks)",
    "monitoring.alert_email": "optional: security alerts are sent here through SNS",
    # The cost estimate's usage inputs: null prices the stated default (and the estimate says so).
    **{
        f"usage.{u.name}": f"{'whole number' if u.whole else 'number'} 0-{u.maximum:,}; null: "
        + (f"{u.default:,}" if u.whole else f"{u.default:g}")
        for u in USAGE_INPUTS
    },
}
#: The column the comments start at (as in the README's template).
_COMMENT_COLUMN = 33
_HEADER = (
    "guardform answers file (version 1): every choice, with what it accepts.\n"
    "Check it in an editor with the JSON Schema from `guardform schema`; the README says how."
)


def tier_note(answers: Answers) -> str:
    """What the declared sensitivity becomes: ``effective tier: restricted (raised by phi, hipaa)``."""
    data = answers.data
    raised = [value for _, value in data.raised_by]
    if not raised:
        return f"effective tier: {data.effective_sensitivity.value} (as declared)"
    return f"effective tier: {data.effective_sensitivity.value} (raised by {', '.join(raised)})"


def _annotated(answers: Answers, data: dict[str, Any]) -> Any:
    """A new answers document: every field in model order, each with its comment."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    document = CommentedMap()
    document.yaml_set_start_comment(_HEADER)
    for section, values in data.items():
        if not isinstance(values, dict):
            document[section] = values
            continue
        target = CommentedMap()
        for key, value in values.items():
            if isinstance(value, list):
                seq = CommentedSeq(value)
                seq.fa.set_flow_style()
                target[key] = seq
            else:
                target[key] = value
            comment = FIELD_COMMENTS.get(f"{section}.{key}")
            if f"{section}.{key}" == "data.sensitivity":
                comment = f"{comment}; {tier_note(answers)}"
            if comment:
                target.yaml_add_eol_comment(comment, key, column=_COMMENT_COLUMN)
        document[section] = target
    return document


def stack_answers_yaml(answers: Answers, document: Any, fmt: Literal["yaml", "json"]) -> str:
    """The answers copy written into every stack (guardform.answers.yaml): YAML, keeping the comments of
    a YAML source. The CLI and the wizard both call this, so their trees are byte-identical."""
    return dump_answers_yaml(answers, document if fmt == "yaml" else None)


def _default_data(model: type[BaseModel]) -> dict[str, Any]:
    """The default of every optional field, as plain data; sections nest."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out[name] = _default_data(annotation)
        elif not info.is_required():
            value = info.get_default(call_default_factory=True)
            out[name] = json.loads(json.dumps(value, default=lambda v: v.value))
    return out


def _merge_into(target: Any, data: dict[str, Any], defaults: dict[str, Any]) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    for key, value in data.items():
        default = defaults.get(key, _NO_DEFAULT)
        if (
            key not in target
            and default is not _NO_DEFAULT
            and (value == default or (isinstance(value, dict) and _all_default(value, default)))
        ):
            continue
        if isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = CommentedMap()
                target[key] = current
            _merge_into(current, value, default if isinstance(default, dict) else {})
        elif isinstance(value, list):
            current = target.get(key)
            if isinstance(current, list) and _plain(current) == value:
                continue
            seq = CommentedSeq(value)
            if not value:
                seq.fa.set_flow_style()
            target[key] = seq
        else:
            if key in target and _plain(target[key]) == value:
                continue
            target[key] = value


_NO_DEFAULT = object()


def _all_default(value: dict[str, Any], default: Any) -> bool:
    return isinstance(default, dict) and all(k in default and default[k] == v for k, v in value.items())


def answers_digest(answers: Answers) -> str:
    """sha256 of the canonical answers (sorted-key JSON): what the manifest records."""
    import hashlib

    canonical = json.dumps(answers_to_data(answers), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
