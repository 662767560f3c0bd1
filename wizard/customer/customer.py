"""A customer as the domain sees it: validated inputs for each step plus the engine's state."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from storage.customers import Record
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile, field_errors
from wizard.customer.state import FlowState
from wizard.errors import OperatorError
from wizard.visible import cut

STEP_MODELS: dict[str, type[BaseModel]] = {"profile": StarterProfile, "bundle": SoleProprietor, "campaign": Campaign}


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
    _stored: dict[str, tuple[BaseModel, dict[str, Any]]] = field(default_factory=dict, repr=False, compare=False)
    """Each step's model as read from the store, with the JSON it was read from (saves dumping it again)."""

    @classmethod
    def from_record(cls, record: Record) -> Customer:
        """The customer a store record holds; the inputs are validated again (the rules may have changed since
        they were saved), once per distinct value however often it is read."""
        inputs, stored = record.inputs, {}
        for step in STEP_MODELS:
            if data := inputs.get(step):
                try:
                    stored[step] = (_validated(step, json.dumps(data, sort_keys=True, ensure_ascii=False)), data)
                except ValidationError as exc:
                    problems = "; ".join(f"{k}: {m}" for k, m in field_errors(exc).items())
                    raise OperatorError(f"Customer {record.key}'s saved {step} no longer passes the app's checks "
                                        f"({cut(problems, 300)}); it was left as saved.") from exc
        return cls(
            key=record.key,
            **{step: model for step, (model, _) in stored.items()},  # type: ignore[arg-type]
            # a copy: an edit of the drafts must not change the record it is compared with before writing
            drafts={step: dict(values) for step, values in inputs.get("drafts", {}).items()},
            state=FlowState.model_validate(record.state),
            version=record.version,
            created_at=record.created_at,
            updated_at=record.updated_at,
            _stored=stored,
        )

    def inputs_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for step in STEP_MODELS:
            model = getattr(self, step)
            if model is not None:
                stored = self._stored.get(step)
                out[step] = stored[1] if stored and stored[0] is model else model.model_dump(mode="json")
        if self.drafts:
            out["drafts"] = self.drafts
        return out

    @property
    def name(self) -> str:
        return self.profile.full_name if self.profile else self.key

    @property
    def brand_name(self) -> str | None:
        return self.bundle.brand_name if self.bundle else None


@functools.lru_cache(maxsize=8192)
def _validated(step: str, text: str) -> BaseModel:
    """A step's inputs validated from their stored JSON (models are frozen, so one instance can be shared)."""
    return STEP_MODELS[step].model_validate_json(text, context={"stored": True})
