"""The customer's domain: input models, state, approval-readiness rules, playbooks, CSV rows."""
