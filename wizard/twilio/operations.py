"""Every Twilio operation the app can send: method, host and path template (the spec's paths)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Host = Literal["trusthub", "messaging", "api", "events"]


@dataclass(frozen=True)
class Operation:
    """One Twilio REST operation. `creates` marks calls that make a new resource: never blindly retried."""

    name: str
    method: Literal["GET", "POST", "DELETE"]
    host: Host
    path: str
    creates: bool = False
    list_key: str | None = None

    def render(self, **params: str) -> str:
        return self.path.format(**params)


_OPS = (
    # Trust Hub: starter customer profile
    Operation("create_customer_profile", "POST", "trusthub", "/v1/CustomerProfiles", creates=True),
    Operation("list_customer_profiles", "GET", "trusthub", "/v1/CustomerProfiles", list_key="results"),
    Operation("fetch_customer_profile", "GET", "trusthub", "/v1/CustomerProfiles/{sid}"),
    Operation("update_customer_profile", "POST", "trusthub", "/v1/CustomerProfiles/{sid}"),
    Operation("assign_customer_profile_entity", "POST", "trusthub",
              "/v1/CustomerProfiles/{sid}/EntityAssignments", creates=True),
    Operation("list_customer_profile_entities", "GET", "trusthub",
              "/v1/CustomerProfiles/{sid}/EntityAssignments", list_key="results"),
    Operation("evaluate_customer_profile", "POST", "trusthub", "/v1/CustomerProfiles/{sid}/Evaluations"),
    # Trust Hub: sole-proprietor trust product
    Operation("create_trust_product", "POST", "trusthub", "/v1/TrustProducts", creates=True),
    Operation("list_trust_products", "GET", "trusthub", "/v1/TrustProducts", list_key="results"),
    Operation("fetch_trust_product", "GET", "trusthub", "/v1/TrustProducts/{sid}"),
    Operation("update_trust_product", "POST", "trusthub", "/v1/TrustProducts/{sid}"),
    Operation("assign_trust_product_entity", "POST", "trusthub",
              "/v1/TrustProducts/{sid}/EntityAssignments", creates=True),
    Operation("list_trust_product_entities", "GET", "trusthub",
              "/v1/TrustProducts/{sid}/EntityAssignments", list_key="results"),
    Operation("evaluate_trust_product", "POST", "trusthub", "/v1/TrustProducts/{sid}/Evaluations"),
    # Trust Hub: end users, supporting documents
    Operation("create_end_user", "POST", "trusthub", "/v1/EndUsers", creates=True),
    Operation("list_end_users", "GET", "trusthub", "/v1/EndUsers", list_key="results"),
    Operation("fetch_end_user", "GET", "trusthub", "/v1/EndUsers/{sid}"),
    Operation("update_end_user", "POST", "trusthub", "/v1/EndUsers/{sid}"),
    Operation("create_supporting_document", "POST", "trusthub", "/v1/SupportingDocuments", creates=True),
    Operation("list_supporting_documents", "GET", "trusthub", "/v1/SupportingDocuments", list_key="results"),
    Operation("update_supporting_document", "POST", "trusthub", "/v1/SupportingDocuments/{sid}"),
    # 2010 API: addresses and the account's phone numbers
    Operation("create_address", "POST", "api", "/2010-04-01/Accounts/{account}/Addresses.json", creates=True),
    Operation("list_addresses", "GET", "api", "/2010-04-01/Accounts/{account}/Addresses.json",
              list_key="addresses"),
    Operation("update_address", "POST", "api", "/2010-04-01/Accounts/{account}/Addresses/{sid}.json"),
    Operation("list_incoming_phone_numbers", "GET", "api",
              "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", list_key="incoming_phone_numbers"),
    Operation("buy_incoming_phone_number", "POST", "api",
              "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", creates=True),
    Operation("fetch_incoming_phone_number", "GET", "api",
              "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json"),
    Operation("release_incoming_phone_number", "DELETE", "api",
              "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json"),
    Operation("list_available_local_numbers", "GET", "api",
              "/2010-04-01/Accounts/{account}/AvailablePhoneNumbers/{country}/Local.json",
              list_key="available_phone_numbers"),
    # Messaging: brand registrations
    Operation("create_brand_registration", "POST", "messaging", "/v1/a2p/BrandRegistrations", creates=True),
    Operation("list_brand_registrations", "GET", "messaging", "/v1/a2p/BrandRegistrations", list_key="data"),
    Operation("fetch_brand_registration", "GET", "messaging", "/v1/a2p/BrandRegistrations/{sid}"),
    Operation("resubmit_brand_registration", "POST", "messaging", "/v1/a2p/BrandRegistrations/{sid}"),
    Operation("resend_brand_otp", "POST", "messaging", "/v1/a2p/BrandRegistrations/{sid}/SmsOtp"),
    # Messaging: services, their numbers, campaigns
    Operation("create_service", "POST", "messaging", "/v1/Services", creates=True),
    Operation("list_services", "GET", "messaging", "/v1/Services", list_key="services"),
    Operation("fetch_service", "GET", "messaging", "/v1/Services/{sid}"),
    Operation("delete_service", "DELETE", "messaging", "/v1/Services/{sid}"),
    Operation("add_service_phone_number", "POST", "messaging", "/v1/Services/{sid}/PhoneNumbers", creates=True),
    Operation("list_service_phone_numbers", "GET", "messaging", "/v1/Services/{sid}/PhoneNumbers",
              list_key="phone_numbers"),
    Operation("fetch_service_phone_number", "GET", "messaging", "/v1/Services/{sid}/PhoneNumbers/{number}"),
    Operation("remove_service_phone_number", "DELETE", "messaging", "/v1/Services/{sid}/PhoneNumbers/{number}"),
    Operation("create_campaign", "POST", "messaging", "/v1/Services/{sid}/Compliance/Usa2p", creates=True),
    Operation("list_campaigns", "GET", "messaging", "/v1/Services/{sid}/Compliance/Usa2p", list_key="compliance"),
    Operation("fetch_campaign", "GET", "messaging", "/v1/Services/{sid}/Compliance/Usa2p/{campaign}"),
    Operation("update_campaign", "POST", "messaging", "/v1/Services/{sid}/Compliance/Usa2p/{campaign}"),
    Operation("delete_campaign", "DELETE", "messaging", "/v1/Services/{sid}/Compliance/Usa2p/{campaign}"),
    # Event Streams: the webhook sink and the subscription to A2P events (account-wide, not per customer)
    Operation("create_sink", "POST", "events", "/v1/Sinks", creates=True),
    Operation("list_sinks", "GET", "events", "/v1/Sinks", list_key="sinks"),
    Operation("create_subscription", "POST", "events", "/v1/Subscriptions", creates=True),
    Operation("list_subscriptions", "GET", "events", "/v1/Subscriptions", list_key="subscriptions"),
    Operation("list_subscribed_events", "GET", "events", "/v1/Subscriptions/{sid}/SubscribedEvents",
              list_key="types"),
)

OPERATIONS: dict[str, Operation] = {op.name: op for op in _OPS}
