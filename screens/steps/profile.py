"""Step 1: the starter profile — the customer as a person, with a US or Canadian address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on

from screens.steps.base import StepForm, row, text
from screens.widgets.fields import FormField
from wizard.customer.models import StarterProfile

COUNTRIES = [("United States (US)", "US"), ("Canada (CA)", "CA")]


class ProfileForm(StepForm):
    """Step 1: the customer as a person, with a US or Canadian address."""

    STEP, KEY, MODEL = 1, "profile", StarterProfile

    @staticmethod
    def from_model(model: StarterProfile | None) -> dict[str, Any]:
        if model is None:
            return {name: ("US" if name == "country" else "") for name in StarterProfile.model_fields}
        return {name: text(value) for name, value in model.model_dump(mode="json").items()}

    def body(self) -> Iterable[Any]:
        yield row(self.make("first_name", "First name", placeholder="Zoë"),
                  self.make("last_name", "Last name", placeholder="Lefèvre"))
        yield row(self.make("email", "Email", placeholder="name@example.com"),
                  self.make("phone", "Phone", placeholder="(206) 555-0134"))
        yield self.make("street", "Street address", placeholder="123 Pine St")
        yield self.make("street2", "Apartment, suite (optional)", placeholder="Apt 4")
        # City, state, ZIP in the order an address is typed; the country (US unless changed) comes last.
        yield row(self.make("city", "City", placeholder="Seattle"),
                  self.make("region", "State or province", placeholder="WA or ON"))
        yield row(self.make("postal_code", "ZIP or postal code", placeholder="98101 or K1A 0B1"),
                  self.make("country", "Country", kind="select", options=COUNTRIES, blank=False))

    def values(self) -> dict[str, Any]:
        return {name: value or "" for name, value in super().values().items()}

    @on(FormField.Edited, "#country-field")
    def _country_changed(self) -> None:
        for name in ("region", "postal_code"):  # what is valid depends on the country
            field = self.field(name)
            if field and (field.value or field.error):
                self.check_field(field)
