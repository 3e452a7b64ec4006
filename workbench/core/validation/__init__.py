"""Layered validation: syntax, STU3 structure, bundle integrity, profiles, terminology, ITK3."""

from workbench.core.validation.issue import LAYERS, Issue
from workbench.core.validation.runner import Report, Validator

__all__ = ["LAYERS", "Issue", "Report", "Validator"]
