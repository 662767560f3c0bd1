"""The Trust Hub policies the flow uses, as GET /v1/Policies/{Sid} returns them (Twilio's spec examples)."""

from __future__ import annotations

from typing import Any, Final

from wizard.twilio.facts import (
    ADDRESS_DOCUMENT_TYPE,
    SOLE_PROPRIETOR_END_USER_TYPE,
    SOLE_PROPRIETOR_POLICY_SID,
    STARTER_END_USER_TYPE,
    STARTER_PROFILE_POLICY_SID,
)

PRIMARY_PROFILE_POLICY_SID: Final = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
"""Primary Customer Profile of type Business (the ISV's own profile)."""

POLICIES: Final[dict[str, dict[str, Any]]] = {
    STARTER_PROFILE_POLICY_SID: {
        "sid": STARTER_PROFILE_POLICY_SID,
        "friendly_name": "Starter Customer Profile of type Business",
        "requirements": {
            "end_user": [
                {
                    "url": f"/EndUserTypes/{STARTER_END_USER_TYPE}",
                    "fields": ["first_name", "last_name", "email", "phone_number"],
                    "type": STARTER_END_USER_TYPE,
                    "name": "Information",
                    "requirement_name": STARTER_END_USER_TYPE,
                }
            ],
            "supporting_trust_products": [],
            "supporting_document": [
                [
                    {
                        "description": "Customer Profile Address",
                        "type": "document",
                        "name": "Customer Profile Address",
                        "accepted_documents": [
                            {
                                "url": f"/SupportingDocumentTypes/{kind}",
                                "fields": ["address_sids"],
                                "type": kind,
                                "name": "Legal Company Address",
                            }
                            for kind in (ADDRESS_DOCUMENT_TYPE, "starter_customer_profile_address")
                        ],
                        "requirement_name": "customer_profile_address",
                    }
                ]
            ],
            "supporting_customer_profiles": [
                {
                    "type": "primary_customer_profile_type_business",
                    "name": "Primary Customer Profile Bundle",
                    "requirement_name": "primary_customer_profile",
                }
            ],
        },
    },
    SOLE_PROPRIETOR_POLICY_SID: {
        "sid": SOLE_PROPRIETOR_POLICY_SID,
        "friendly_name": "Sole Proprietor TrustProduct",
        "requirements": {
            "end_user": [
                {
                    "url": f"/EndUserTypes/{SOLE_PROPRIETOR_END_USER_TYPE}",
                    "fields": ["brand_name", "mobile_phone_number", "vertical"],
                    "type": SOLE_PROPRIETOR_END_USER_TYPE,
                    "name": "Sole Proprietor Information",
                    "requirement_name": SOLE_PROPRIETOR_END_USER_TYPE,
                }
            ],
            "supporting_trust_products": [],
            "supporting_document": [[]],
            "supporting_customer_profiles": [
                {
                    "type": "starter_customer_profile_type_business",
                    "name": "Starter Customer Profile(isv customers) Proof",
                    "requirement_name": "customer_profile",
                },
                {
                    "type": "starter_customer_profile_type_direct_long_tail",
                    "name": "Starter Customer Profile(direct customers) Proof",
                    "requirement_name": "customer_profile",
                },
            ],
        },
    },
}
