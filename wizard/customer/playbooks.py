"""What to do about each Twilio error the A2P flow meets: cause, fix, which step to redo and what it costs.

Meanings come from Twilio's error pages (https://www.twilio.com/docs/api/errors/<code>) where those were
readable; the few marked "as far as we know" could not be confirmed and are worded with care.
"""

from dataclasses import dataclass

FREE = "Free"
TRUST_HUB = "Free (Trust Hub reviews have no fee)"
BRAND_RESUBMIT = "A FAILED brand can be resubmitted free up to 3 times (error 21724 after that)"
CAMPAIGN_AGAIN = "$15 campaign vetting fee again"


@dataclass(frozen=True)
class Playbook:
    code: int
    title: str  # short, e.g. "OTP expired or invalid"
    cause: str  # plain words
    fix: str  # what to change
    redo_step: int | None  # 1 starter profile, 2 trust bundle, 3 brand/OTP, 4 campaign; None: no step to redo
    fee: str  # whether redoing costs a fee
    url: str  # https://www.twilio.com/docs/api/errors/<code>


def _url(code: int) -> str:
    return f"https://www.twilio.com/docs/api/errors/{code}"


def _pb(code: int, title: str, cause: str, fix: str, redo_step: int | None, fee: str) -> Playbook:
    return Playbook(code, title, cause, fix, redo_step, fee, _url(code))


PLAYBOOKS: dict[int, Playbook] = {
    pb.code: pb
    for pb in (
        # --- requests -------------------------------------------------------------------------------
        _pb(
            20001,
            "Invalid or missing parameter",
            "Twilio refused the request because a parameter was missing or malformed.",
            "Read Twilio's message for the parameter's name, correct that field and run the step again.",
            None,
            FREE,
        ),
        _pb(
            20003,
            "Authentication failed",
            "The credentials are wrong, revoked, or belong to another (sub)account.",
            "Check TWILIO_ACCOUNT_SID and the auth token or API key and secret. Resources of a subaccount "
            "need that subaccount's credentials.",
            None,
            FREE,
        ),
        _pb(
            20404,
            "Resource not found",
            "The SID is not on this account: it was deleted, mistyped, or made with other credentials.",
            "Check the SID and the account in use. If the resource was deleted, run its step again so it "
            "is created anew.",
            None,
            FREE,
        ),
        _pb(
            20429,
            "Too many requests",
            "The account sent more requests at once than Twilio allows. The request was not processed.",
            "Nothing to change: wait and retry (the app backs off and retries on its own).",
            None,
            FREE,
        ),
        # --- step 1 and 2: Trust Hub --------------------------------------------------------------------
        _pb(
            18601,
            "Profile details could not be verified",
            "Twilio's review rejected the profile: it could not verify the business details given (its "
            "catalogue describes this as the business name not matching the website).",
            "Check that the name, email and address are the customer's real ones and consistent with each "
            "other, correct them and submit the profile again.",
            1,
            TRUST_HUB,
        ),
        _pb(
            22214,
            "Evaluation: end user missing",
            "The bundle has no end user of the type its policy requires.",
            "Assign the end user (starter profile information or sole-proprietor information) to the "
            "bundle and evaluate again, in the step whose evaluation failed.",
            None,
            TRUST_HUB,
        ),
        _pb(
            22215,
            "Evaluation: end-user field missing",
            "The end user lacks a field the policy requires, such as first_name, email, brand_name or "
            "mobile_phone_number.",
            "Fill in the field named in the evaluation, update the existing end user and evaluate again.",
            None,
            TRUST_HUB,
        ),
        _pb(
            22216,
            "Evaluation: supporting document missing",
            "The starter profile has no address document (customer_profile_address) assigned.",
            "Create the address and its supporting document, assign it to the starter profile and evaluate "
            "again.",
            1,
            TRUST_HUB,
        ),
        _pb(
            22217,
            "Evaluation: document field missing or mismatched",
            "A field of a supporting document is missing or does not match the same field elsewhere in the "
            "bundle.",
            "Correct the field named in the evaluation so both places agree, then evaluate again.",
            1,
            TRUST_HUB,
        ),
        _pb(
            22218,
            "Evaluation: requirement not met",
            "As far as we know, an item in the bundle does not satisfy the policy; the evaluation's "
            "failure_reason names it.",
            "Fix the item named in failure_reason, update it in place and evaluate again.",
            None,
            TRUST_HUB,
        ),
        _pb(
            22219,
            "Evaluation: address missing",
            "The supporting document does not point to a valid address (address_sids is empty or wrong).",
            "Create a valid US or Canadian address, link it to the supporting document and evaluate again.",
            1,
            TRUST_HUB,
        ),
        # --- step 3: brand and OTP ----------------------------------------------------------------------
        _pb(
            30701,
            "Brand field invalid",
            "A brand field failed Twilio's validation, e.g. a region that is not a 2-letter state or "
            "province code, or a value that is too long.",
            "Correct the field Twilio names in the starter profile or trust bundle, then resubmit the brand.",
            3,
            BRAND_RESUBMIT,
        ),
        _pb(
            30751,
            "Mobile number not supported",
            "The OTP mobile number is not a valid wireless number that can receive SMS: a landline, a VoIP "
            "number, one of this account's numbers or a number bought from a CPaaS provider (Twilio's page says "
            "US; the sole-proprietor guide accepts US or Canadian mobiles).",
            "Put the customer's own US or Canadian mobile number in the trust bundle's end user (never a number "
            "of this account or another CPaaS provider's), then resubmit the brand.",
            3,
            BRAND_RESUBMIT,
        ),
        _pb(
            30752,
            "OTP expired or invalid",
            "Twilio texts the passcode once, when the brand is APPROVED; the customer did not reply YES within "
            "24 hours, or answered an older message. Only the first passcode is sent by itself.",
            "Resend the OTP (Twilio's /SmsOtp; at most 10 requests a second per account, so resends are paced) and "
            "ask the customer to reply YES to the newest message within 24 hours.",
            3,
            "Free (resending the OTP costs nothing)",
        ),
        _pb(
            21724,
            "Brand update limit reached",
            "The FAILED brand has already used its free resubmissions.",
            "Contact Twilio Support about this brand. A new brand registration costs $4.50 again.",
            3,
            "No free resubmission left; a new brand costs $4.50",
        ),
        _pb(
            21725,
            "Brand is not FAILED",
            "A brand can only be resubmitted while its status is FAILED.",
            "Wait while it is PENDING or IN_REVIEW. If an APPROVED brand needs changes, contact Twilio "
            "Support.",
            None,
            FREE,
        ),
        # --- step 4: messaging service, number, campaign ------------------------------------------------
        _pb(
            21421,
            "Phone number SID invalid",
            "The phone number SID is wrong or not on this account.",
            "Choose a number this account owns (by E.164 number or PN SID) and add it again.",
            4,
            FREE,
        ),
        _pb(
            21711,
            "The brand or service already has its campaign",
            "Twilio refused a second campaign: a sole-proprietor brand has exactly one, and so does a Messaging "
            "Service (as far as we know, a service whose campaign was deleted moments ago is refused too). After a "
            "restored backup the store may have forgotten the first one and made a second service for it.",
            "Advance again: the app looks for the brand's campaign on every Messaging Service named for the "
            "customer and adopts it with its service and number. Then `a2p-wizard reconcile KEY` deletes the empty "
            "duplicate service (a number bought for it is released only with --yes or a yes). If the campaign is "
            "on a service not named for the customer, find it in the Console (Messaging > Regulatory Compliance > "
            "Campaigns).",
            4,
            "Free (nothing is created; the adopted campaign's vetting was paid once)",
        ),
        _pb(
            21712,
            "Number is in another Messaging Service",
            "The phone number already belongs to a different Messaging Service.",
            "Remove it from the other service, or choose another number, then add it again.",
            4,
            FREE,
        ),
        _pb(
            21715,
            "Number cannot send SMS",
            "The phone number has no SMS/MMS capability.",
            "Choose an SMS-capable US 10DLC number and add it instead.",
            4,
            FREE,
        ),
        _pb(
            80104,
            "Number already in this Messaging Service",
            "The phone number is already in this service. This is a warning, not a failure.",
            "Nothing to change: carry on.",
            None,
            FREE,
        ),
        _pb(
            30715,
            "Vetting not allowed for sole proprietors",
            "A vetting (or a vetting token) was asked for a sole-proprietor brand; TCR does not vet them.",
            "Register the brand without vetting: the sole-proprietor path verifies the customer by the OTP only. "
            "If the customer needs vetting, register a Standard brand instead.",
            None,
            FREE,
        ),
        _pb(
            30712,
            "Account's brand limit reached",
            "The account holds as many brand registrations as Twilio allows it.",
            "Contact Twilio Support with the error's details to raise the limit; offboarding does not delete "
            "brands. Advance the customer again once Support answers.",
            3,
            "Free to retry once the limit is raised (no brand fee was billed)",
        ),
        _pb(
            30910,
            "Campaign text not in English",
            "The campaign description, message flow or samples hold text in another language without an English "
            "translation.",
            "Rewrite the campaign's description, message flow and samples in English (add an English translation "
            "next to anything the customer's clients see in another language), then resubmit.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30991,
            "Brand not verified yet",
            "The campaign was submitted before the customer confirmed the OTP, so the brand is unverified.",
            "Get the customer to reply YES to the OTP (resend it if needed), then submit the campaign again.",
            3,
            "Verifying is free; the campaign may be billed the $15 vetting fee again",
        ),
        _pb(
            30886,
            "Campaign description rejected",
            "The description is vague or does not match the use case: it must say who sends, to whom, "
            "and why.",
            "Rewrite the description naming the customer's business, its recipients and the purpose of "
            "the messages, then resubmit.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30887,
            "Opt-out details rejected",
            "Opt-out handling is declared but the flow, keywords or opt-out message are missing or unclear.",
            "Add opt-out keywords and an opt-out message that confirms no more messages will be sent and "
            "names the brand, or leave opt-out to Twilio's default handling.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30889,
            "Embedded phone number mismatch",
            "The embedded-phone setting does not match the samples.",
            "Make has_embedded_phone and the samples agree: add the phone number to a sample, or set the "
            "flag to no (and remove numbers from samples).",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30892,
            "Public URL shortener in a sample",
            "A sample uses a public shortener (bit.ly, TinyURL ...) or an insecure link.",
            "Use the full https link on the customer's own domain, or a branded short domain they own.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30893,
            "Samples do not fit the campaign",
            "The samples are missing, unclear, placeholders, or do not match the use case and description.",
            "Write 2 to 5 real samples; name the business in at least one and end one with 'Reply STOP to "
            "opt out'; mark templated fields with [brackets].",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30896,
            "Opt-in (message flow) rejected",
            "The message flow does not show how recipients consent to texts, or keyword opt-in lacks its "
            "keywords and message.",
            "Describe where and how each person opts in (web form with checkbox, keyword, verbal ...), "
            "list every method, link the privacy policy and terms, then resubmit.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30933,
            "Privacy policy URL missing",
            "Since 30 June 2026 Twilio refuses a campaign created or updated without PrivacyPolicyUrl (empty or null "
            "counts as missing).",
            "Enter the public https:// address of the customer's privacy policy in step 4 (`a2p-wizard policy KEY` "
            "writes a starting point to host) and save; nothing is billed while it is refused.",
            4,
            "Free (refused before vetting); once accepted, the $15 vetting fee applies",
        ),
        _pb(
            30934,
            "Terms and conditions URL missing",
            "Since 30 June 2026 Twilio refuses a campaign created or updated without TermsAndConditionsUrl.",
            "Enter the public https:// address of the customer's terms and conditions in step 4 and save.",
            4,
            "Free (refused before vetting); once accepted, the $15 vetting fee applies",
        ),
        _pb(
            30908,
            "Privacy policy rejected",
            "The privacy policy page was reviewed and did not pass: it could not be opened, is not the customer's, "
            "or lacks what reviewers look for about text messages.",
            "Make the page public and state the SMS program, message frequency, 'message and data rates may apply', "
            "STOP to opt out, HELP for help, and that mobile information is not shared with third parties for "
            "marketing (`a2p-wizard lint --customer KEY --fetch` checks it); then resubmit the campaign.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30882,
            "Terms and conditions rejected",
            "The terms page was reviewed and did not pass: it could not be opened, or it does not describe the "
            "text-message program.",
            "Publish terms that name the program, message frequency, 'message and data rates may apply', STOP to "
            "opt out and HELP for help, then resubmit the campaign.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30932,
            "Privacy policy may share opt-in data",
            "The privacy policy (or the opt-in flow) suggests mobile opt-in data may be shared with third parties, "
            "affiliates or lead generators, or it lacks the non-sharing statement.",
            "State plainly that mobile information and SMS consent are never shared with third parties or "
            "affiliates for marketing or promotional purposes; remove any wording that says otherwise; resubmit.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30897,
            "Disallowed content",
            "The campaign falls in a category Twilio does not allow, such as cannabis or CBD.",
            "This content can't be registered. If it was misread, remove the wording that triggered it and "
            "resubmit.",
            4,
            CAMPAIGN_AGAIN,
        ),
        _pb(
            30914,
            "Brand name not acceptable",
            "As far as we know, the sole-proprietor brand name looks wrong: an email, an account ID, or a "
            "name that is neither the person's nor their real trade name.",
            "Set brand_name to the customer's first + last name (or their real DBA) in the trust bundle, "
            "then resubmit the brand and the campaign.",
            2,
            f"{BRAND_RESUBMIT}; {CAMPAIGN_AGAIN}",
        ),
        _pb(
            30915,
            "Not eligible as a sole proprietor",
            "Since 17 July 2026 Twilio refuses a sole-proprietor campaign when the business or brand name holds "
            "LLC, Inc., Corp., Ltd., LLP or the like, or the website or documents show a registered company; a "
            "tax ID (EIN) is refused too.",
            "A registered company is not a sole proprietor: register it as a Standard or Low-Volume Standard brand "
            "instead. If the name only looked like a company's, remove the suffix (and anything EIN-like, and any "
            "company wording on the website), then resubmit.",
            None,
            "Redoing as a Standard brand means new brand and campaign fees",
        ),
        _pb(
            30034,
            "Message from an unregistered number",
            "A message was sent from a 10DLC number that is not in an approved campaign's Messaging Service.",
            "Finish step 4: wait for the campaign to be VERIFIED with the number in its service before "
            "sending.",
            4,
            "No registration fee; messages sent meanwhile are blocked",
        ),
    )
}


def playbook(code: int) -> Playbook | None:
    """The playbook for a Twilio error code, if there is one."""
    return PLAYBOOKS.get(code)


def describe(code: int, message: str | None = None) -> str:
    """One plain-words line for the CLI, e.g. '30701 Brand field invalid — <fix> (redo step 3)'."""
    detail = " ".join((message or "").split())
    pb = PLAYBOOKS.get(code)
    if pb is None:
        return f"{code} {detail or 'Twilio error'} — see {_url(code)}"
    redo = f" (redo step {pb.redo_step})" if pb.redo_step else ""
    said = f" ({detail})" if detail else ""
    return f"{code} {pb.title}{said} — {pb.fix}{redo}"
