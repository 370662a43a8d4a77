"""Uniform results of every compliance check: findings (one per broken rule) and a verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    """Rule ids, one per row of COMPLIANCE.md."""

    QUIET = "QUIET"
    TWO_PERSON = "TWO_PERSON"
    VISIT_CAP = "VISIT_CAP"
    VISIT_INTERVAL = "VISIT_INTERVAL"
    CALL_CAP = "CALL_CAP"
    CEASE = "CEASE"
    THIRD_PARTY = "THIRD_PARTY"
    VULNERABLE = "VULNERABLE"
    WORKPLACE = "WORKPLACE"
    SENSITIVE = "SENSITIVE"
    NOTICE = "NOTICE"
    CREDENTIALS = "CREDENTIALS"
    RECORDING = "RECORDING"
    RETENTION = "RETENTION"


class Severity(StrEnum):
    """How a finding acts: `block` stops a plan (or flags a synced fact); `warn` informs."""

    WARN = "warn"
    BLOCK = "block"


@dataclass(frozen=True)
class Finding:
    """One rule broken (or about to be): which, how badly, why in words, and the figures."""

    rule: Rule
    severity: Severity
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data (details already hold only JSON values)."""
        return {
            "rule": str(self.rule),
            "severity": str(self.severity),
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Verdict:
    """All findings of one check, plus context (e.g. the corrected clock) that applies to all."""

    findings: tuple[Finding, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        """True when at least one finding blocks."""
        return any(f.severity is Severity.BLOCK for f in self.findings)

    @property
    def allowed(self) -> bool:
        """True when nothing blocks (warnings may remain)."""
        return not self.blocked

    @property
    def rules(self) -> frozenset[Rule]:
        """The ids of every rule that produced a finding."""
        return frozenset(f.rule for f in self.findings)

    def of(self, rule: Rule) -> tuple[Finding, ...]:
        """Return the findings of one rule."""
        return tuple(f for f in self.findings if f.rule is rule)

    def unresolved_blocks(self, overrides: Mapping[str, str]) -> tuple[Finding, ...]:
        """Return blocking findings not covered by an override {rule id: non-blank reason}."""
        reasons = {rule for rule, reason in overrides.items() if reason and reason.strip()}
        return tuple(
            f for f in self.findings if f.severity is Severity.BLOCK and str(f.rule) not in reasons
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-ready data."""
        return {
            "allowed": self.allowed,
            "findings": [f.to_dict() for f in self.findings],
            "context": dict(self.context),
        }


def combine(verdicts: Iterable[Verdict], context: Mapping[str, Any] | None = None) -> Verdict:
    """Join several verdicts into one, keeping every finding in order."""
    findings: list[Finding] = []
    merged: dict[str, Any] = {}
    for verdict in verdicts:
        findings.extend(verdict.findings)
        merged.update(verdict.context)
    merged.update(context or {})
    return Verdict(tuple(findings), merged)


def verdict(
    findings: Iterable[Finding | None], context: Mapping[str, Any] | None = None
) -> Verdict:
    """Build a verdict from findings, skipping the `None`s that passing checks return."""
    return Verdict(tuple(f for f in findings if f is not None), dict(context or {}))
