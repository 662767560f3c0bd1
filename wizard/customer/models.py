"""Validated input models for the three data-entry steps, with messages written for an operator."""

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from wizard.customer import urls
from wizard.twilio.facts import KEYWORDS_MAX, MAX_SAMPLES, MIN_SAMPLES, TEXT_LIMITS, USE_CASE, VERTICALS
from wizard.visible import COMBINING_RUN, UNSAFE, UNSAFE_IN_LINES

__all__ = [
    "MAX_SAMPLES",
    "MIN_SAMPLES",
    "VERTICALS",
    "BrandName",
    "Campaign",
    "Email",
    "PersonName",
    "SampleText",
    "SoleProprietor",
    "StarterProfile",
    "UsCaPhone",
    "Vertical",
    "default_brand_name",
    "field_errors",
    "field_issues",
    "validate_field",
]

_T = TypeVar("_T")
_CONTROL = UNSAFE
"""Control characters, and invisible ones (zero-width, bidi controls, tag characters, fillers): a spoofing risk."""
_CONTROL_MULTILINE = UNSAFE_IN_LINES  # allows \t and \n


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _clean(value: object, max_len: int, *, multiline: bool = False) -> str:
    """Strip text (None counts as empty); reject non-text, text over max_len and control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error("text_type", "Enter text.")
    value = value.strip()
    if multiline:
        value = value.replace("\r\n", "\n")
    if len(value) > max_len:
        raise _error("too_long", f"Too long: use at most {max_len} characters (this has {len(value)}).")
    if found := (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        if unicodedata.category(found[0]) == "Cc":
            raise _error("control_characters", "Remove control characters.")
        raise _error("invisible_characters", f"Remove the invisible character U+{ord(found[0]):04X} "
                     f"(it is at position {found.start() + 1}).")
    if _combining_flood(value):
        raise _error("combining_marks", f"Too many accent marks on one letter: at most {COMBINING_RUN} in a row.")
    return value


def _combining_flood(value: str) -> bool:
    """More than COMBINING_RUN combining marks in a row (a "Zalgo" flood that covers neighbouring text)."""
    run = 0
    for ch in value:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        if run > COMBINING_RUN:
            return True
    return False


def _text(
    min_len: int, max_len: int, *, multiline: bool = False, blank: str = "This field is required."
) -> Callable[[object], str]:
    """A check for text of min_len..max_len characters after trimming."""

    def check(value: object) -> str:
        value = _clean(value, max_len, multiline=multiline)
        if not value:
            raise _error("blank", blank)
        if len(value) < min_len:
            raise _error(
                "too_short", f"Too short: use at least {min_len} characters (this has {len(value)})."
            )
        return value

    return check


def _optional(check: Callable[[object], _T]) -> Callable[[object], _T | None]:
    """The check, except that None and blank text mean "not given"."""

    def optional(value: object) -> _T | None:
        return None if value is None or (isinstance(value, str) and not value.strip()) else check(value)

    return optional


_NAME_PUNCTUATION = frozenset(" '’-.")


def _person_name(value: object) -> str:
    name = unicodedata.normalize("NFC", _clean(value, 60))
    if not name:
        raise _error("blank", "Enter a name.")
    if any(ch not in _NAME_PUNCTUATION and unicodedata.category(ch)[0] not in "LM" for ch in name):
        raise _error(
            "name_characters", "A name may contain only letters, spaces, apostrophes, hyphens and periods."
        )
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise _error("name_letters", "A name must contain letters.")
    return name


def _email(value: object) -> str:
    text = _clean(value, 254)
    if not text:
        raise _error("blank", "Enter an email address.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise _error("email", f"Enter a valid email address, like name@example.com. {exc}") from None


_PHONE_CHARS = re.compile(r"\+?[0-9 ().-]+")
_PHONE_REGIONS = frozenset({"US", "CA"})
_PHONE_MESSAGE = "Enter a valid US or Canadian phone number, like (206) 555-0134."
_BAD_PHONE_TYPES = (phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE)


def _us_ca_phone(value: object) -> str:
    text = _clean(value, 40)
    if not text:
        raise _error("blank", "Enter a phone number.")
    if not _PHONE_CHARS.fullmatch(text):
        raise _error("phone", _PHONE_MESSAGE)
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        raise _error("phone", _PHONE_MESSAGE) from None
    if not phonenumbers.is_valid_number(number):
        raise _error("phone", _PHONE_MESSAGE)
    if phonenumbers.region_code_for_number(number) not in _PHONE_REGIONS:
        raise _error("phone_country", "Only US and Canadian phone numbers can be used.")
    if phonenumbers.number_type(number) in _BAD_PHONE_TYPES:
        raise _error(
            "phone_toll_free", "Toll-free and premium numbers (800, 888, 900, …) can't be used here."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_us_area_code(area: str) -> bool:
    """A three-digit code that numbers of the US (not Canada or the Caribbean) are in."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(f"+1{area}2345678")) == "US"
    except phonenumbers.NumberParseException:
        return False


def buys_number(phone_number: str | None) -> bool:
    """The campaign's number is to be bought for the customer (`buy` or `buy:NPA`)."""
    return phone_number is not None and phone_number.startswith("buy")


_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SID = re.compile(r"[A-Za-z]{2}[0-9a-fA-F]{32}")
_LONG_NUMBER = re.compile(r"[0-9]{9,}")


def _brand_name(value: object) -> str:
    name = _clean(value, 255)
    if not name:
        raise _error("blank", "Enter a brand name.")
    if _EMAIL_LIKE.search(name):
        raise _error("brand_email", "The brand name must not be an email address.")
    if _SID.fullmatch(name):
        raise _error("brand_sid", "The brand name must not be an account ID or SID.")
    if _LONG_NUMBER.search(name):
        raise _error(
            "brand_number", "The brand name must not be an account number (9 or more digits in a row)."
        )
    return name


def _vertical(value: object) -> str:
    text = _clean(value, 40).upper().replace(" ", "_").replace("-", "_")
    if text not in VERTICALS:
        raise _error("vertical", f"Choose a vertical from the list: {', '.join(VERTICALS)}.")
    return text


def _country(value: object) -> str:
    text = _clean(value, 10).upper()
    if text not in ("US", "CA"):
        raise _error("country", "Country must be US or CA.")
    return text


# fmt: off
_US_REGIONS = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
    "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "DC", "PR", "VI", "GU", "AS", "MP",
})
_CA_REGIONS = frozenset({"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"})
# fmt: on
_US_ZIP = re.compile(r"([0-9]{5})(?:[ -]?([0-9]{4}))?")
_CA_POSTAL = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][0-9][ABCEGHJ-NPRSTV-Z][0-9]")


def _region(country: str, value: object) -> str:
    code = _clean(value, 40).upper()
    if not code:
        raise _error("blank", "Enter a state or province code.")
    if country == "US" and code not in _US_REGIONS:
        if code in _CA_REGIONS:
            raise _error(
                "region", f"{code} is a Canadian province: set the country to CA, or enter a US state."
            )
        raise _error("region", "Enter a US state or territory code, like WA or NY.")
    if country == "CA" and code not in _CA_REGIONS:
        if code in _US_REGIONS:
            raise _error(
                "region", f"{code} is a US state: set the country to US, or enter a Canadian province."
            )
        raise _error("region", "Enter a Canadian province or territory code, like ON or BC.")
    return code


def _postal_code(country: str, value: object) -> str:
    text = _clean(value, 20).upper()
    if not text:
        raise _error("blank", "Enter a ZIP or postal code.")
    if country == "US":
        if not (match := _US_ZIP.fullmatch(text)):
            raise _error("postal_code", "Enter a 5-digit ZIP code, like 98101 or 98101-1234.")
        return "-".join(part for part in match.groups() if part)
    compact = re.sub(r"[\s-]", "", text)
    if not _CA_POSTAL.fullmatch(compact):
        raise _error("postal_code", "Enter a Canadian postal code, like K1A 0B1.")
    return f"{compact[:3]} {compact[3:]}"


_YES = frozenset({"true", "yes", "y", "1"})
_NO = frozenset({"false", "no", "n", "0", ""})


def yes_or_no(text: str) -> bool | None:
    """A yes/no word as a CSV cell says it (true/false, yes/no, y/n, 1/0; empty is no), None for any other."""
    word = text.strip().lower()
    return word in _YES if word in _YES | _NO else None


def _yes_no(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool | int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and (word := value.strip().lower()) in _YES | _NO:
        return word in _YES
    raise _error("yes_no", "Answer yes or no (or true/false, y/n, 1/0).")


_KEYWORD = re.compile(r"[A-Za-z0-9]+")


def _keywords(value: object) -> list[str]:
    """Keywords from a list or a comma-separated string: alphanumeric, upper-cased, de-duplicated."""
    if value is None:
        return []
    if isinstance(value, str):
        value = _clean(value, 1024).split(",")
    if not isinstance(value, list | tuple):
        raise _error("keywords_type", "Enter keywords separated by commas, like STOP, END.")
    words = [_clean(item, 255) for item in value]
    if any(word and not _KEYWORD.fullmatch(word) for word in words):
        raise _error("keyword", "Keywords may contain only letters A-Z and digits 0-9, separated by commas.")
    unique = list(dict.fromkeys(word.upper() for word in words if word))
    if len(",".join(unique)) > KEYWORDS_MAX:
        raise _error("keywords_too_long", "Too many keywords: together they must fit in 255 characters.")
    return unique


_PN_SID = re.compile(r"PN[0-9a-fA-F]{32}")


_BUY = re.compile(r"buy(?:\s*:\s*(\d{3}))?", re.IGNORECASE)


def _campaign_phone(value: object) -> str:
    text = _clean(value, 64)
    if buy := _BUY.fullmatch(text):
        area = buy[1]
        if area and not is_us_area_code(area):
            raise _error("buy_area", f"{area} is not a US area code: Twilio sells sole-proprietor numbers in US "
                                     "area codes (for a Canadian customer, pick a US one, like buy:206).")
        return f"buy:{area}" if area else "buy"
    if text[:2].upper() == "PN" or re.search(r"[A-Za-z]", text):
        if _PN_SID.fullmatch(text):
            return text
        raise _error(
            "phone_sid",
            "Enter a phone number SID (PN followed by 32 hex characters), a US or Canadian phone number, like "
            "(206) 555-0134, or buy (a new number in the customer's area code) or buy:NPA (e.g. buy:206).",
        )
    return _us_ca_phone(text)


_HTTP_URL = TypeAdapter(HttpUrl)


def _policy_url(value: object) -> str:
    """A policy page's address as Twilio takes it: https, a public domain name, not a URL shortener."""
    text = _clean(value, 2000)
    try:
        parsed = _HTTP_URL.validate_python(text)
    except ValidationError:
        raise _error("url", "Enter a full web address starting with https://, like "
                            "https://yourbusiness.com/privacy.") from None
    if parsed.scheme != "https":
        raise _error("url_https", "Twilio needs an https:// address (this one is not secure).")
    if urls.is_ip(text) or urls.is_local(text):
        raise _error("url_host", "Enter the page's public web address (a domain name, not an IP address or "
                                 "localhost): Twilio's reviewers must be able to open it.")
    if urls.is_shortener(text):
        raise _error("url_shortener", "Enter the page's full address: carriers reject URL shorteners.")
    return text


def policy_url_problem(url: str) -> str | None:
    """What the policy URL rules say against `url` (None: it passes them)."""
    try:
        _policy_url(url)
    except PydanticCustomError as error:
        return error.message()
    return None


def _policy_required(what: str, code: int) -> Callable[[str | None, ValidationInfo], str | None]:
    """Since 30 June 2026 Twilio refuses a campaign without this page (error `code`). Stored campaigns of an
    earlier rule set still load (validated with context {"stored": True}); every door where inputs enter asks."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None and not (info.context or {}).get("stored"):
            raise _error("policy_missing", f"Enter the https:// address of the customer's {what} page: Twilio refuses "
                                    f"campaigns without one (error {code}).")
        return value

    return check


_sample = _text(*TEXT_LIMITS["sample"], multiline=True, blank="Enter a sample message.")

PersonName = Annotated[str, BeforeValidator(_person_name)]
Email = Annotated[str, BeforeValidator(_email)]
UsCaPhone = Annotated[str, BeforeValidator(_us_ca_phone)]
BrandName = Annotated[str, BeforeValidator(_brand_name)]
Vertical = Annotated[Literal[VERTICALS], BeforeValidator(_vertical)]  # type: ignore[valid-type]
SampleText = Annotated[str, BeforeValidator(_sample)]

_City = Annotated[str, BeforeValidator(_text(1, 60, blank="Enter a city."))]
_Street = Annotated[str, BeforeValidator(_text(1, 100, blank="Enter a street address."))]
_OptionalLine64 = Annotated[str | None, BeforeValidator(_optional(_text(1, 64)))]
_OptionalLine100 = Annotated[str | None, BeforeValidator(_optional(_text(1, 100)))]
_Description = Annotated[
    str, BeforeValidator(_text(*TEXT_LIMITS["description"], multiline=True, blank="Describe the campaign."))
]
_MessageFlow = Annotated[
    str, BeforeValidator(_text(*TEXT_LIMITS["message_flow"], multiline=True, blank="Describe how people opt in."))
]
_ReplyMessage = Annotated[str | None, BeforeValidator(_optional(_text(*TEXT_LIMITS["reply"], multiline=True)))]
_PolicyUrl = Annotated[str | None, BeforeValidator(_optional(_policy_url))]
_OptionalVertical = Annotated[Literal[VERTICALS] | None, BeforeValidator(_optional(_vertical))]  # type: ignore[valid-type]
_CampaignPhone = Annotated[str | None, BeforeValidator(_optional(_campaign_phone))]
_Country = Annotated[Literal["US", "CA"], BeforeValidator(_country)]
_YesNo = Annotated[bool, BeforeValidator(_yes_no)]
_Keywords = Annotated[list[str], BeforeValidator(_keywords)]


def _count_samples(samples: list[str | None]) -> list[str]:
    kept = [sample for sample in samples if sample is not None]
    if len(kept) < MIN_SAMPLES:
        raise _error("samples_count", f"Give at least {MIN_SAMPLES} sample messages (found {len(kept)}).")
    if len(kept) > MAX_SAMPLES:
        raise _error("samples_count", f"Give at most {MAX_SAMPLES} sample messages (found {len(kept)}).")
    return kept


if TYPE_CHECKING:
    _Samples = list[str]
else:  # blank slots stay in place while items are checked, so an error keeps its sample's number
    _Samples = Annotated[
        list[Annotated[str | None, BeforeValidator(_optional(_sample))]], AfterValidator(_count_samples)
    ]


class _Model(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)


class StarterProfile(_Model):
    """Step 1: the customer as a person, with a US or Canadian address."""

    first_name: PersonName
    last_name: PersonName
    email: Email
    phone: UsCaPhone
    street: _Street
    street2: _OptionalLine100 = None
    city: _City
    country: _Country = "US"  # declared before region and postal_code: their checks depend on it
    region: str
    postal_code: str

    @field_validator("region", "postal_code", mode="before")
    @classmethod
    def _check_for_country(cls, value: object, info: ValidationInfo) -> str:
        if "country" not in info.data:  # the country itself is invalid and already reported
            return _clean(value, 40)
        check = _region if info.field_name == "region" else _postal_code
        return check(info.data["country"], value)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SoleProprietor(_Model):
    """Step 2: the sole proprietor's brand."""

    brand_name: BrandName
    mobile_phone: UsCaPhone
    vertical: _OptionalVertical = None


class Campaign(_Model):
    """Step 4: the messaging campaign and its phone number."""

    service_name: _OptionalLine64 = None
    campaign_description: _Description
    message_flow: _MessageFlow
    samples: _Samples
    has_embedded_links: _YesNo = False
    has_embedded_phone: _YesNo = False
    opt_in_message: _ReplyMessage = None
    opt_in_keywords: _Keywords = []
    opt_out_message: _ReplyMessage = None
    opt_out_keywords: _Keywords = []
    help_message: _ReplyMessage = None
    help_keywords: _Keywords = []
    privacy_policy_url: _PolicyUrl = Field(default=None, validate_default=True)
    terms_url: _PolicyUrl = Field(default=None, validate_default=True)
    phone_number: _CampaignPhone = None
    use_case: Literal["SOLE_PROPRIETOR"] = USE_CASE

    _privacy_required = field_validator("privacy_policy_url")(_policy_required("privacy policy", 30933))
    _terms_required = field_validator("terms_url")(_policy_required("terms and conditions", 30934))

    @field_validator("opt_in_keywords", "opt_out_keywords", "help_keywords")
    @classmethod
    def _keywords_need_message(cls, value: list[str], info: ValidationInfo) -> list[str]:
        assert info.field_name is not None
        message_field = info.field_name.replace("_keywords", "_message")
        if value and message_field in info.data and info.data[message_field] is None:
            kind = message_field.removesuffix("_message").replace("_", "-")
            raise _error("keywords_without_message", f"Keywords need a reply: enter the {kind} message too.")
        return value


def default_brand_name(profile: StarterProfile) -> str:
    """The brand name of a person without a business: first and last name."""
    return profile.full_name


_PLAIN_MESSAGES = {"missing": "This field is required.", "extra_forbidden": "This field is not recognised."}


def field_issues(exc: ValidationError) -> dict[str, tuple[str, str]]:
    """The first error per field as (its kind, its message): the kind is pydantic's error type or our own code
    (`too_long`, `policy_missing` …), stable when a message is reworded; a sample item's error is reported as
    sample_N (1-based)."""
    errors: dict[str, tuple[str, str]] = {}
    for error in exc.errors():
        loc = error["loc"]
        name = str(loc[0]) if loc else ""
        if name == "samples" and len(loc) > 1 and isinstance(loc[1], int):
            name = f"sample_{loc[1] + 1}"
        errors.setdefault(name, (error["type"], _PLAIN_MESSAGES.get(error["type"], error["msg"])))
    return errors


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message per field; a sample item's error is reported as sample_N (1-based)."""
    return {name: message for name, (_, message) in field_issues(exc).items()}


def validate_field(
    model: type[BaseModel], field: str, value: object, context: dict[str, object] | None = None
) -> str | None:
    """Check one field alone (or sample_N of a Campaign); context holds other fields, e.g. the country."""
    data = dict(context or {})
    if model is Campaign and (match := re.fullmatch(r"sample_([1-5])", field)):
        data["samples"] = [""] * (int(match[1]) - 1) + [value]
    elif field in model.model_fields:
        data[field] = value
    else:
        raise KeyError(f"{model.__name__} has no field {field!r}")
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc).get(field)
    return None
