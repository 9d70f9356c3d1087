"""Tier facts: which data category or compliance regime raises the data to which tier, and the log
retention each one asks for (controls catalog §9, overlay table)."""

from __future__ import annotations

from wizard.answers.vocabulary import Compliance, DataCategory, Sensitivity

# The minimum tier a data category or a compliance regime implies (controls catalog §9, overlay
# table). It lives here, beside the vocabularies, because validation needs it too (one key is only
# allowed for public and internal data); plan.py reads it from here and records the reason.
CATEGORY_MINIMUM_TIER: dict[DataCategory, Sensitivity] = {
    DataCategory.pii: Sensitivity.confidential,
    DataCategory.phi: Sensitivity.restricted,
    DataCategory.financial: Sensitivity.confidential,
    DataCategory.credentials: Sensitivity.confidential,
}
COMPLIANCE_MINIMUM_TIER: dict[Compliance, Sensitivity] = {
    Compliance.hipaa: Sensitivity.restricted,
    Compliance.pci_dss: Sensitivity.restricted,
    Compliance.gdpr: Sensitivity.confidential,
    Compliance.soc2: Sensitivity.internal,
}
#: The shortest log retention (days) each regime asks for; 365 is guardform's floor for everyone.
COMPLIANCE_MINIMUM_RETENTION: dict[Compliance, int] = {
    Compliance.hipaa: 2192,  # HIPAA documentation retention: six years
    Compliance.pci_dss: 365,  # PCI DSS 10.5.1: one year of audit history
    Compliance.gdpr: 365,
    Compliance.soc2: 365,
}
TIER_MINIMUM_RETENTION: dict[Sensitivity, int] = {
    Sensitivity.public: 365,
    Sensitivity.internal: 365,
    Sensitivity.confidential: 731,
    Sensitivity.restricted: 2192,
}
