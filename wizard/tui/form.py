"""The wizard's questions and its form state.

The form state is a plain dict that mirrors the answers file (``{"project": {"name": ...}, ...}``).
The pydantic model in wizard/answers/ is the only validator: :func:`validate` builds the data the
model sees and returns the model's own issues, which the screens map back to fields by path.

This module decides presentation only: labels, help lines, which widget asks the question, and which
fields are shown (the existing-VPC ids only for ``network.mode: existing``, the Bedrock settings only
when bedrock is one of the workloads). A hidden field is left out of the data, so the model uses its
default; its value stays in the form, so switching back restores it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "list", "int", "choice", "multi", "select"]

#: Every section of the answers file. The wizard asks no question of ``usage`` (the cost estimate's
#: assumptions are set in the answers file; see docs/wizard.md), but carries a loaded file's values through.
SECTIONS = ("project", "workload", "data", "network", "keys", "access", "monitoring", "usage")


@dataclass(frozen=True)
class Question:
    path: str  # "section.field", as in the answers file
    label: str
    kind: Kind
    help: str | None = None  # None: the pydantic Field description
    placeholder: str = ""
    #: (value, label) pairs for choice, multi and select questions; the enum's values when empty
    options: tuple[tuple[Any, str], ...] = ()
    visible: Callable[[dict[str, Any]], bool] | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]

    @property
    def widget_id(self) -> str:
        return "field-" + self.path.replace(".", "--")

    def is_visible(self, form: dict[str, Any]) -> bool:
        return self.visible is None or bool(self.visible(form))

    def help_text(self) -> str:
        if self.help is not None:
            return self.help
        return description(self.path)


@dataclass(frozen=True)
class Step:
    """The questions one step of the wizard asks (the step's title and place are in wizard/tui/steps.py)."""

    id: str
    intro: str
    questions: tuple[Question, ...] = field(default=())


def _bedrock(form: dict[str, Any]) -> bool:
    kinds = form.get("workload", {}).get("kinds")
    return isinstance(kinds, list) and "bedrock" in kinds


def _notebook(form: dict[str, Any]) -> bool:
    kinds = form.get("workload", {}).get("kinds")
    return isinstance(kinds, list) and "sagemaker_notebook" in kinds


def _new_vpc(form: dict[str, Any]) -> bool:
    return bool(form.get("network", {}).get("mode") != "existing")


def _existing_vpc(form: dict[str, Any]) -> bool:
    return bool(form.get("network", {}).get("mode") == "existing")


_KIND_LABELS = {
    "sagemaker_training": "SageMaker training jobs",
    "sagemaker_inference": "SageMaker inference endpoints",
    "sagemaker_notebook": "SageMaker notebook instance",
    "bedrock": "Bedrock model invocation",
}
_CALLER_LABELS = {"lambda": "AWS Lambda functions", "ecs_tasks": "ECS tasks", "ec2": "EC2 instances"}
_SENSITIVITY_LABELS = {
    "public": "published or open data",
    "internal": "business data, not for outsiders",
    "confidential": "customer or business-sensitive data",
    "restricted": "regulated data: health records, card data",
}
_CATEGORY_LABELS = {
    "pii": "personal data",
    "phi": "protected health information",
    "financial": "payment or financial data",
    "credentials": "secrets, keys, passwords",
}
_COMPLIANCE_LABELS = {"hipaa": "HIPAA", "pci_dss": "PCI DSS", "gdpr": "GDPR", "soc2": "SOC 2"}
_ENV_LABELS = {"dev": "development", "staging": "pre-production", "prod": "production"}
_MODE_LABELS = {"new": "guardform builds a private VPC", "existing": "use a VPC you already have"}
_STRATEGY_LABELS = {
    "per_purpose": "a key each for data, artifacts and logs",
    "single": "one key for everything (public and internal data only)",
}


def _enum_options(enum_name: str, labels: dict[str, str]) -> tuple[tuple[Any, str], ...]:
    from wizard import answers

    enum = getattr(answers, enum_name)
    return tuple((m.value, f"{m.value} — {labels[m.value]}" if m.value in labels else m.value) for m in enum)


def _notebook_options() -> tuple[tuple[Any, str], ...]:
    """Each instance type with its size and hourly price, from the price file the estimate uses."""
    from wizard.answers import NOTEBOOK_INSTANCE_TYPES
    from wizard.cost import load_prices

    prices = load_prices()
    options = []
    for itype in NOTEBOOK_INSTANCE_TYPES:
        price = prices.price(f"sagemaker.notebook.{itype}")
        size = re.search(r"\(([^)]*)\)", price.description)
        options.append((itype, f"{itype} — {size.group(1) if size else ''}, ${price.usd:.2f} an hour"))
    return tuple(options)


def _regions() -> tuple[str, ...]:
    from wizard.answers import AWS_REGIONS

    return AWS_REGIONS


def build_steps() -> tuple[Step, ...]:
    """The question steps and their questions (their order is the registry's: :func:`steps`)."""
    return (
        _project_questions(),
        _workload_questions(),
        _data_questions(),
        _network_questions(),
        _keys_questions(),
        _monitoring_questions(),
    )


def _project_questions() -> Step:
    q = Question
    return Step(
        "project",
        "What the stack is called and where it runs.",
        (
            q(
                "project.name",
                "Stack name",
                "text",
                "Prefixes every resource, role and key alias, so ownership shows in IAM and CloudTrail. "
                "3-32 characters: a-z, 0-9 and hyphens, starting with a letter.",
                placeholder="e.g. fraud-scoring",
            ),
            q(
                "project.environment",
                "Environment",
                "choice",
                "Tagged on every resource. In prod, restricted data gets a COMPLIANCE-mode object lock on the "
                "audit log: nobody, root included, can delete it early.",
                options=_enum_options("Environment", _ENV_LABELS),
            ),
            q(
                "project.owner",
                "Owner (optional)",
                "text",
                "Becomes the Owner tag on every resource, so a finding reaches a person. "
                "Letters, digits, spaces and _ . : / = + - @ (what AWS accepts in a tag value).",
                placeholder="e.g. Payments ML team",
            ),
            q(
                "project.region",
                "AWS region",
                "text",
                "Where the stack and its data live. An AWS region code.",
                placeholder="e.g. us-east-1",
                suggestions=_regions(),
            ),
            q(
                "project.allowed_regions",
                "Allowed regions",
                "list",
                "Workload roles are denied every other region. A second region lets confidential and restricted "
                "data replicate there. Empty: the stack's region only. Separate with spaces or commas.",
                placeholder="empty: the region above",
            ),
        ),
    )


def _workload_questions() -> Step:
    q = Question
    return Step(
        "workload",
        "What runs. Only what you pick gets roles, endpoints and log groups.",
        (
            q(
                "workload.kinds",
                "Workloads",
                "multi",
                "Each workload gets its own least-privilege role, VPC endpoints and log groups; nothing is "
                "created for a workload you do not pick. Space toggles.",
                options=_enum_options("WorkloadKind", _KIND_LABELS),
            ),
            q(
                "workload.bedrock_models",
                "Bedrock models",
                "list",
                "The roles may invoke only these model ids (or inference profiles such as us.…); every other "
                "model is denied. Separate with spaces or commas.",
                placeholder="e.g. anthropic.claude-3-haiku-20240307-v1:0",
                visible=_bedrock,
            ),
            q(
                "workload.bedrock_callers",
                "Bedrock callers",
                "multi",
                "One IAM role per caller, trusted only by that AWS service in this account.",
                options=_enum_options("BedrockCaller", _CALLER_LABELS),
                visible=_bedrock,
            ),
            q(
                "workload.notebook_instance_type",
                "Notebook instance type",
                "choice",
                "The notebook's size and hourly price (on-demand, us-east-1), billed while it runs; a stopped "
                "notebook costs only its volume. The review's estimate follows the choice.",
                options=_notebook_options(),
                visible=_notebook,
            ),
        ),
    )


def _data_questions() -> Step:
    q = Question
    return Step(
        "data",
        "How sensitive the data is. This decides most of the controls.",
        (
            q(
                "data.sensitivity",
                "Sensitivity",
                "choice",
                "confidential adds a VPC-endpoint data perimeter, permission boundaries, replication, object lock "
                "and write data events; restricted adds read data events, daily Macie scans and longer logs.",
                options=_enum_options("Sensitivity", _SENSITIVITY_LABELS),
            ),
            q(
                "data.categories",
                "Data categories",
                "multi",
                "Each raises the tier (phi to restricted; pii, financial, credentials to confidential) and tunes "
                "Macie identifiers and the Bedrock guardrail's filters.",
                options=_enum_options("DataCategory", _CATEGORY_LABELS),
            ),
            q(
                "data.compliance",
                "Compliance regimes",
                "multi",
                "Each raises the tier and log retention: hipaa and pci_dss to restricted (HIPAA keeps logs six "
                "years), gdpr to confidential, soc2 to internal.",
                options=_enum_options("Compliance", _COMPLIANCE_LABELS),
            ),
        ),
    )


def _network_questions() -> Step:
    q = Question
    return Step(
        "network",
        "Where the workloads run. No internet path is ever created.",
        (
            q(
                "network.mode",
                "Network",
                "choice",
                "new: private subnets only, no internet or NAT gateway, flow logs, VPC endpoints. existing: the "
                "endpoints go into your VPC; its routing and flow logs stay yours.",
                options=_enum_options("NetworkMode", _MODE_LABELS),
            ),
            q(
                "network.cidr",
                "VPC CIDR block",
                "text",
                "A private (RFC 1918) IPv4 block, /16 to /24, split into private subnets only.",
                placeholder="10.0.0.0/16",
                visible=_new_vpc,
            ),
            q(
                "network.availability_zones",
                "Availability zones",
                "choice",
                "Private subnets and endpoint interfaces are spread over this many zones.",
                options=((2, "2 zones"), (3, "3 zones")),
                visible=_new_vpc,
            ),
            q(
                "network.vpc_id",
                "VPC id",
                "text",
                "Your VPC (vpc-…); guardform adds endpoints and security groups to it.",
                placeholder="vpc-0123456789abcdef0",
                visible=_existing_vpc,
            ),
            q(
                "network.private_subnet_ids",
                "Private subnet ids",
                "list",
                "Two or more private subnets (subnet-…) for endpoints and workloads; they should have no route to "
                "the internet. Separate with spaces or commas.",
                placeholder="subnet-… subnet-…",
                visible=_existing_vpc,
            ),
            q(
                "network.route_table_ids",
                "Route table ids",
                "list",
                "The private route tables (rtb-…) that get the S3 gateway endpoint, so S3 traffic stays on the AWS "
                "network.",
                placeholder="rtb-…",
                visible=_existing_vpc,
            ),
        ),
    )


def _keys_questions() -> Step:
    q = Question
    return Step(
        "keys",
        "Customer managed KMS keys, and who may bypass the data perimeter.",
        (
            q(
                "keys.strategy",
                "Key strategy",
                "choice",
                "Separate keys mean one key policy cannot expose everything, and key use shows per purpose in "
                "CloudTrail. One key is allowed for public and internal data only.",
                options=_enum_options("KeyStrategy", _STRATEGY_LABELS),
            ),
            q(
                "keys.rotation_days",
                "Key rotation (days)",
                "int",
                "KMS rotates the key material this often: 90-2560 days, at most 365 for confidential and "
                "restricted data.",
                placeholder="365",
            ),
            q(
                "keys.deletion_window_days",
                "Deletion window (days)",
                "int",
                "A deleted key can be recovered for this long (7-30 days); data under a destroyed key is lost.",
                placeholder="30",
            ),
            q(
                "access.admin_role_arns",
                "Admin role ARNs",
                "list",
                "IAM roles exempt from the data perimeter (break-glass, data administrators). Keep it short. "
                "Separate with spaces or commas.",
                placeholder="arn:aws:iam::111122223333:role/BreakGlass",
            ),
        ),
    )


def _monitoring_questions() -> Step:
    q = Question
    return Step(
        "monitoring",
        "Audit logs and where security alerts go.",
        (
            q(
                "monitoring.log_retention_days",
                "Log retention",
                "select",
                "How long CloudWatch Logs keep audit and workload logs. Derived: 365 days, 731 for confidential, "
                "2192 for restricted data or HIPAA.",
            ),
            q(
                "monitoring.alert_email",
                "Alert email (optional)",
                "text",
                "Security alerts (CloudTrail, Macie findings) go here through a KMS-encrypted SNS topic. Empty: "
                "subscribe your own endpoint later.",
                placeholder="security-oncall@example.com",
            ),
        ),
    )


_STEPS: tuple[Step, ...] | None = None


def steps() -> tuple[Step, ...]:
    """The question steps in the order the wizard walks them."""
    global _STEPS
    if _STEPS is None:
        from wizard.tui.steps import STEPS

        groups = {s.id: s for s in build_steps()}
        _STEPS = tuple(groups.pop(s.id) for s in STEPS if s.id in groups)
        if groups:
            raise LookupError(f"question steps missing from the registry (wizard/tui/steps.py): {sorted(groups)}")
    return _STEPS


def step(step_id: str) -> Step:
    """The questions of one step."""
    return next(s for s in steps() if s.id == step_id)


def questions() -> dict[str, Question]:
    return {q.path: q for s in steps() for q in s.questions}


def step_of(path: str) -> str | None:
    """The id of the step that asks the question at ``path`` (or owns its section)."""
    for step in steps():
        for q in step.questions:
            if q.path == path:
                return step.id
    section = path.split(".", 1)[0].split("[", 1)[0]
    for step in steps():
        if any(q.section == section for q in step.questions):
            return step.id
    return None


def description(path: str) -> str:
    """The pydantic Field description of a field of the answers model."""
    from wizard import answers

    section, name = path.split(".", 1)
    model = answers.Answers.model_fields[section].annotation
    info = model.model_fields.get(name) if isinstance(model, type) else None
    return (info.description or "") if info is not None else ""


# --------------------------------------------------------------------------------------------------
# Form state
# --------------------------------------------------------------------------------------------------


def _section_models() -> dict[str, Any]:
    from wizard.answers import Answers

    return {name: Answers.model_fields[name].annotation for name in SECTIONS}


def initial_form() -> dict[str, Any]:
    """A new, empty form: the model's defaults, and None for what the user must answer."""
    from pydantic import TypeAdapter

    form: dict[str, Any] = {"version": 1}
    for section, model in _section_models().items():
        values: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            if info.is_required():
                values[name] = None
            else:
                default = info.get_default(call_default_factory=True)
                values[name] = TypeAdapter(info.annotation).dump_python(default, mode="json")
        form[section] = values
    form["project"]["name"] = ""
    form["project"]["region"] = ""
    form["workload"]["kinds"] = []
    # shown once a notebook is chosen: start on the type the model picks when none is given
    from wizard.answers import DEFAULT_NOTEBOOK_INSTANCE_TYPE

    form["workload"]["notebook_instance_type"] = DEFAULT_NOTEBOOK_INSTANCE_TYPE.value
    return form


def plain(document: Any) -> Any:
    """A ruamel round-trip document as plain JSON-like data."""
    return json.loads(json.dumps(document, default=str))


def form_from_document(document: Any) -> tuple[dict[str, Any], list[str]]:
    """A form prefilled from a loaded answers document; also the fields it ignored (unknown keys)."""
    form = initial_form()
    ignored: list[str] = []
    data = plain(document)
    if not isinstance(data, dict):
        return form, ignored
    for key, value in data.items():
        if key == "version":
            continue
        if key not in form:
            ignored.append(str(key))
            continue
        if not isinstance(value, dict):
            if value is not None:
                ignored.append(str(key))
            continue
        for name, item in value.items():
            if name in form[key]:
                form[key][name] = item
            else:
                ignored.append(f"{key}.{name}")
    return form, ignored


def get(form: dict[str, Any], path: str) -> Any:
    section, name = path.split(".", 1)
    return form.get(section, {}).get(name)


def put(form: dict[str, Any], path: str, value: Any) -> None:
    section, name = path.split(".", 1)
    form.setdefault(section, {})[name] = value


def form_to_data(form: dict[str, Any]) -> dict[str, Any]:
    """The data the answers model validates: hidden and empty fields left out (the model's defaults
    apply; a required one is reported missing by the model itself)."""
    qs = questions()
    data: dict[str, Any] = {"version": form.get("version", 1)}
    for section in SECTIONS:
        values: dict[str, Any] = {}
        for name, value in form.get(section, {}).items():
            path = f"{section}.{name}"
            q = qs.get(path)
            if q is not None and not q.is_visible(form):
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            values[name] = copy.deepcopy(value)
        data[section] = values
    return data


def validate(form: dict[str, Any]) -> tuple[Any, list[Any]]:
    """(Answers, []) when the form is valid, else (None, the model's issues)."""
    from wizard.answers import AnswersError, validate_answers

    try:
        return validate_answers(form_to_data(form)), []
    except AnswersError as exc:
        return None, list(exc.issues)


_INDEX = re.compile(r"\[\d+\]")


def field_of(issue_field: str) -> str:
    """An issue's path without list indices: ``project.allowed_regions[1]`` -> ``project.allowed_regions``."""
    return _INDEX.sub("", issue_field)


def issues_by_field(issues: Iterable[Any]) -> dict[str, list[str]]:
    """Messages per question path; issues that name no question are under their section (or "")."""
    qs = questions()
    out: dict[str, list[str]] = {}
    for issue in issues:
        path = field_of(issue.field)
        key = path
        if path not in qs:
            parts = path.split(".")
            # a deeper path (e.g. a list item) belongs to the nearest question above it
            key = next((".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in qs), "")
            if not key:
                key = parts[0] if parts[0] in SECTIONS else ""
        message = issue.message
        if key and key != path and path.startswith(key + "."):
            message = f"{path[len(key) + 1 :]}: {message}"
        elif key and key in SECTIONS and path != key:
            message = f"{path}: {message}"
        msgs = out.setdefault(key, [])
        if message not in msgs:
            msgs.append(message)
    return out


def parse_list(text: str) -> list[str]:
    """A list field's text: items separated by commas and/or whitespace."""
    return [item for item in re.split(r"[,\s]+", text) if item]


def format_list(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def parse_int(text: str) -> Any:
    """Digits become an int; anything else stays text, for the model to report."""
    stripped = text.strip()
    if re.fullmatch(r"[+-]?\d+", stripped):
        return int(stripped)
    return stripped


def effective_data(form: dict[str, Any]) -> tuple[str, str, int] | None:
    """(effective tier, why, minimum log retention) from the model's Data section, or None when the data
    answers are not valid yet."""
    from pydantic import ValidationError

    from wizard.answers import Data

    values = form_to_data(form)["data"]
    try:
        data = Data.model_validate(values)
    except ValidationError:
        return None
    tier = data.effective_sensitivity
    why = ""
    if tier is not data.sensitivity:
        why = f"raised from {data.sensitivity.value} by {', '.join(value for _, value in data.raised_by)}"
    return tier.value, why, data.minimum_log_retention


def unavailable(path: str, form: dict[str, Any]) -> dict[Any, str]:
    """The choices of question ``path`` that the current answers always refuse, each with the reason
    (the model's own rules: one key only for public and internal data; no retention below the tier's)."""
    from wizard.answers import LOG_RETENTION_VALUES

    eff = effective_data(form)
    if eff is None:
        return {}
    tier, _why, days = eff
    if path == "keys.strategy" and tier in ("confidential", "restricted"):
        return {"single": f"not allowed for {tier} data"}
    if path == "monitoring.log_retention_days":
        return {v: f"below the {days}-day minimum for {tier} data" for v in LOG_RETENTION_VALUES if v < days}
    return {}


def retention_options(form: dict[str, Any]) -> list[tuple[Any, str]]:
    from wizard.answers import LOG_RETENTION_VALUES

    refused = unavailable("monitoring.log_retention_days", form)
    eff = effective_data(form)
    derived = f"derived from the data ({eff[2]} days)" if eff else "derived from the data"
    options: list[tuple[Any, str]] = [(None, derived)]
    options += [
        (v, f"{v} days" + (f" ({v // 365} years)" if v % 365 in (0, 1, 2) and v >= 730 else ""))
        for v in LOG_RETENTION_VALUES
        if v >= 365 and v not in refused
    ]
    current = get(form, "monitoring.log_retention_days")
    if current is not None and all(v != current for v, _ in options):
        reason = f"; {refused[current]}" if current in refused else ""
        options.append((current, f"{current} (from your file{reason})"))
    return options
