"""Bedrock: the guardrail (entities by data category, content filters) and invocation logging (§7)."""

from __future__ import annotations

from wizard.answers import Answers, DataCategory
from wizard.plan.facts import Facts
from wizard.plan.model import BedrockModel, BedrockPlan, ContentFilter, GuardrailEntity
from wizard.plan.policy import ACCOUNT_ID, Layout, PlanError, PolicyDocument, Ref, Statement, arn, interp, service, when
from wizard.plan.section import Ledger, Section

INVOCATION_LOG_GROUP_ARN = Ref(module="bedrock", type="cloudwatch_log_group", name="invocations", attr="arn")


def _logging_role() -> tuple[PolicyDocument, PolicyDocument]:
    """Bedrock of this account only, writing to the one invocation log stream."""
    trust = PolicyDocument(
        kind="trust",
        statements=(
            Statement(
                sid="BedrockOfThisAccountOnly",
                effect="Allow",
                principal=service("bedrock.amazonaws.com"),
                actions="sts:AssumeRole",
                conditions=(
                    when("StringEquals", "aws:SourceAccount", ACCOUNT_ID),
                    when("ArnLike", "aws:SourceArn", arn("bedrock", "*")),
                ),
            ),
        ),
    )
    policy = PolicyDocument(
        kind="identity",
        statements=(
            Statement(
                sid="WriteInvocationLogStream",
                effect="Allow",
                actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                resources=interp(INVOCATION_LOG_GROUP_ARN, ":log-stream:aws/bedrock/modelinvocations"),
                comment="Bedrock writes every invocation to this one log stream of the group.",
                layout=Layout(comment_at="inside", multiline=("Action",)),
            ),
        ),
    )
    return trust, policy


# Bedrock guardrail sensitive-information entities per data category (PII filter types).
_GUARDRAIL_ENTITIES: dict[DataCategory, tuple[tuple[str, str], ...]] = {
    DataCategory.pii: (
        ("ADDRESS", "ANONYMIZE"),
        ("EMAIL", "ANONYMIZE"),
        ("NAME", "ANONYMIZE"),
        ("PHONE", "ANONYMIZE"),
        ("US_SOCIAL_SECURITY_NUMBER", "BLOCK"),
        ("DRIVER_ID", "ANONYMIZE"),
        ("US_PASSPORT_NUMBER", "BLOCK"),
        ("IP_ADDRESS", "ANONYMIZE"),
    ),
    DataCategory.phi: (
        ("NAME", "ANONYMIZE"),
        ("ADDRESS", "ANONYMIZE"),
        ("AGE", "ANONYMIZE"),
        ("PHONE", "ANONYMIZE"),
        ("EMAIL", "ANONYMIZE"),
        ("US_SOCIAL_SECURITY_NUMBER", "BLOCK"),
        ("CA_HEALTH_NUMBER", "BLOCK"),
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "BLOCK"),
    ),
    DataCategory.financial: (
        ("CREDIT_DEBIT_CARD_NUMBER", "BLOCK"),
        ("CREDIT_DEBIT_CARD_CVV", "BLOCK"),
        ("CREDIT_DEBIT_CARD_EXPIRY", "BLOCK"),
        ("US_BANK_ACCOUNT_NUMBER", "BLOCK"),
        ("US_BANK_ROUTING_NUMBER", "BLOCK"),
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "BLOCK"),
        ("SWIFT_CODE", "ANONYMIZE"),
        ("PIN", "BLOCK"),
    ),
    DataCategory.credentials: (
        ("AWS_ACCESS_KEY", "BLOCK"),
        ("AWS_SECRET_KEY", "BLOCK"),
        ("PASSWORD", "BLOCK"),
        ("USERNAME", "ANONYMIZE"),
    ),
}
# Used when a guardrail is required (confidential and up) but no category was named.
_GUARDRAIL_DEFAULT_ENTITIES = (("EMAIL", "ANONYMIZE"), ("PHONE", "ANONYMIZE"), ("AWS_SECRET_KEY", "BLOCK"))


# Geographic prefixes of cross-region inference profiles (answers refuse "global." profiles: the region
# restriction would deny them).
GEO_PREFIXES = ("us", "us-gov", "eu", "apac", "jp", "au", "ca")


# The regions a geographic cross-region inference profile routes requests to (AWS "Supported Regions and models
# for inference profiles", Bedrock user guide). AWS defines them per profile and per source region (the authority
# is GetInferenceProfile); these are the regions of the US, EU and APAC Anthropic profiles the examples use, and
# for the smaller geographies the regions of that geography. A profile of another model may route to more regions:
# check with `aws bedrock get-inference-profile` before relying on the region restriction.
PROFILE_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-central-1", "ca-west-1"),
}


def check_profiles(answers: Answers) -> None:
    """Refuse inference profiles the stack's regions cannot use (issue 13 finding 14).

    A profile exists only in the regions of its geography (a ``us.`` profile is not callable from an EU stack),
    and it routes each request to one of its destination regions, where the model call is authorized again with
    ``aws:RequestedRegion`` = that region: the region deny refuses it unless every destination is allowed.
    """
    region, allowed = answers.project.region, tuple(answers.project.allowed_regions)
    for profile, model in split_models(tuple(answers.workload.bedrock_models))[1]:
        geo = profile.split(".", 1)[0]
        dests = PROFILE_DESTINATIONS[geo]
        if region not in dests:
            raise PlanError(
                f"workload.bedrock_models: {profile!r} is a {geo}. inference profile, which routes to "
                f"{', '.join(dests)}; it cannot be called from project.region {region!r}. Use the model id "
                f"{model!r} or a profile of this region's geography"
            )
        missing = [d for d in dests if d not in allowed]
        if missing:
            raise PlanError(
                f"workload.bedrock_models: {profile!r} routes requests to {', '.join(dests)}, but "
                f"project.allowed_regions ({', '.join(allowed)}) lacks {', '.join(missing)}, so the region "
                f"restriction would deny the calls it routes there. Add {', '.join(missing)} to "
                f"project.allowed_regions, or use the model id {model!r} directly"
            )


def split_models(models: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Model ids invoked directly, and (inference profile id, its foundation model id) pairs."""
    direct: list[str] = []
    profiles: list[tuple[str, str]] = []
    for model in models:
        head, _, rest = model.partition(".")
        if head in GEO_PREFIXES and rest:
            profiles.append((model, rest))
        else:
            direct.append(model)
    return tuple(direct), tuple(profiles)


def _entities(f: Facts) -> dict[str, str]:
    entities: dict[str, str] = {}
    for cat in DataCategory:
        if cat in f.categories:
            for etype, action in _GUARDRAIL_ENTITIES[cat]:
                if entities.get(etype) != "BLOCK":
                    entities[etype] = action
    if f.guardrail_on and not entities:
        entities = dict(_GUARDRAIL_DEFAULT_ENTITIES)
    return entities


def _bedrock(answers: Answers, f: Facts) -> BedrockPlan | None:
    if not f.has_bedrock:
        return None
    trust, policy = _logging_role()
    # Prompt attacks are filtered hardest; harmful-content filters get stricter with the data tier.
    strength = "HIGH" if f.restricted else "MEDIUM"
    filters = (
        ContentFilter(type="PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE"),
        *(
            ContentFilter(type=t, input_strength=strength, output_strength=strength)
            for t in ("HATE", "INSULTS", "MISCONDUCT", "SEXUAL", "VIOLENCE")
        ),
    )
    return BedrockPlan(
        models=tuple(answers.workload.bedrock_models),
        guardrail=f.guardrail_on,
        guardrail_entities=tuple(GuardrailEntity(type=t, action=a) for t, a in sorted(_entities(f).items())),
        content_filters=filters,
        invocation_logging=f.bedrock_logging,
        log_text=True,
        log_images=not f.restricted,
        log_embeddings=False,
        log_video=False,
        logging_trust=trust if f.bedrock_logging else None,
        logging_policy=policy if f.bedrock_logging else None,
        model_entries=_model_entries(tuple(answers.workload.bedrock_models)),
    )


def _model_entries(models: tuple[str, ...]) -> tuple[BedrockModel, ...]:
    behind = dict(split_models(models)[1])
    return tuple(BedrockModel(id=m, profile=m in behind, foundation_model=behind.get(m, m)) for m in models)


def decide_bedrock(answers: Answers, f: Facts) -> Section[BedrockPlan | None]:
    has = f.has_bedrock
    if has:
        check_profiles(answers)
    cats = ", ".join(c.value for c in answers.data.categories)
    led = Ledger()
    led.control(
        "bedrock.least_privilege_invoke",
        "Bedrock invocation limited to the approved model and profile ARNs",
        on=has,
        reason="bedrock chosen" if has else "no bedrock workload",
        module="iam",
        checks=("CKV_AWS_355", "CKV_AWS_356"),
    )
    led.control(
        "bedrock.guardrail_required",
        "A Bedrock guardrail filters sensitive information and every invocation must name it",
        on=f.guardrail_on,
        reason=(f.tier_says + (f"; categories: {cats}" if f.categories else ""))
        if f.guardrail_on
        else "no bedrock workload"
        if not has
        else f"on from confidential or with a data category; {f.tier_says}",
        module="bedrock",
        checks=("CKV_GF_6",),
    )
    led.control(
        "bedrock.invocation_logging",
        "Model invocation logging to a KMS-encrypted log group and bucket",
        on=f.bedrock_logging,
        reason="bedrock chosen" if has else "no bedrock workload",
        module="bedrock",
        checks=("CKV_GF_7", "CKV_GF_8"),
    )
    return led.section(_bedrock(answers, f))
