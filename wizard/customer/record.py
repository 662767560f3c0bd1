"""A customer as the domain sees it: validated inputs for each step plus the engine's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.store import Record
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile
from wizard.customer.state import FlowState

STEP_MODELS = {"profile": StarterProfile, "bundle": SoleProprietor, "campaign": Campaign}


@dataclass
class Customer:
    """One customer: key, the operator's inputs, drafts of unfinished forms, and FlowState."""

    key: str
    profile: StarterProfile | None = None
    bundle: SoleProprietor | None = None
    campaign: Campaign | None = None
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: FlowState = field(default_factory=FlowState)
    version: int = 0
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_record(cls, record: Record) -> Customer:
        inputs = record.inputs
        return cls(
            key=record.key,
            profile=StarterProfile.model_validate(inputs["profile"]) if inputs.get("profile") else None,
            bundle=SoleProprietor.model_validate(inputs["bundle"]) if inputs.get("bundle") else None,
            campaign=Campaign.model_validate(inputs["campaign"]) if inputs.get("campaign") else None,
            drafts=inputs.get("drafts", {}),
            state=FlowState.model_validate(record.state),
            version=record.version,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )

    def inputs_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            step: model.model_dump(mode="json")
            for step in STEP_MODELS
            if (model := getattr(self, step)) is not None
        }
        if self.drafts:
            out["drafts"] = self.drafts
        return out

    @property
    def name(self) -> str:
        return f"{self.profile.first_name} {self.profile.last_name}" if self.profile else self.key

    @property
    def brand_name(self) -> str | None:
        return self.bundle.brand_name if self.bundle else None
