"""Step 2: the sole-proprietor bundle — the brand, and the mobile that gets the passcode."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from screens.steps.base import StepForm
from wizard.customer.models import VERTICALS, SoleProprietor, default_brand_name
from wizard.desk import Customer

VERTICAL_OPTIONS = [(v if len(v) <= 3 else v.replace("_", " ").capitalize(), v) for v in VERTICALS]
"""Twilio's verticals in words ("Real estate"); an acronym as Twilio spells it ("NGO")."""


class BundleForm(StepForm):
    """Step 2: the sole proprietor's brand and the mobile that gets the passcode."""

    STEP, KEY, MODEL = 2, "bundle", SoleProprietor

    @staticmethod
    def from_model(model: SoleProprietor | None, c: Customer | None = None) -> dict[str, Any]:
        if model is not None:
            data = model.model_dump(mode="json")
            return {"brand_name": data["brand_name"], "mobile_phone": data["mobile_phone"],
                    "vertical": data["vertical"]}
        profile = c.profile if c else None
        return {"brand_name": default_brand_name(profile) if profile else "",
                "mobile_phone": profile.phone if profile else "", "vertical": None}

    def body(self) -> Iterable[Any]:
        yield self.make("brand_name", "Brand name", placeholder="Zoë Lefèvre",
                        hint="A person without a business: their first and last name (from step 1).")
        yield self.make("mobile_phone", "Mobile phone (gets the passcode text)", placeholder="(206) 555-0134",
                        hint="The customer's own US or Canadian mobile; it can back at most 3 brands.")
        yield self.make("vertical", "Vertical (optional)", kind="select", options=VERTICAL_OPTIONS,
                        placeholder="Not specified")

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["brand_name"] = values["brand_name"] or ""
        values["mobile_phone"] = values["mobile_phone"] or ""
        return values
