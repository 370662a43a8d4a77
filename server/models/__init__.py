"""All models, imported so that Base.metadata knows every table."""

from server.models.addresses import Address, AddressKind, ContactPoint, OptOut, Verification
from server.models.audit import AuditEvent
from server.models.base import Base, new_id, utcnow
from server.models.cases import (
    Account,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Complaint,
    ComplaintStatus,
    Placement,
    StandingRecallRules,
)
from server.models.compliance import RuleProfile, RuleProfileVersion, Violation
from server.models.consents import Consent, ConsentKind, ConsentText
from server.models.facts import (
    AddressReport,
    Attachment,
    Blob,
    BlobUpload,
    CheckIn,
    OutcomeCode,
    VisitNote,
    VisitOutcome,
)
from server.models.field_facts import CallLog, CaseRequestFact
from server.models.followups import ContactAttempt, FollowUp, FollowUpKind, OutboxMessage
from server.models.imports import ImportChange, ImportRun, ImportUpload
from server.models.jobs import JobRun, JobRunStatus, SchedulerLease, apscheduler_jobs
from server.models.lender import (
    ApiClient,
    CashDeposit,
    LenderPosting,
    PostingConflict,
    PostingKind,
    ReversalReason,
)
from server.models.messaging import (
    InboundAction,
    InboundMessage,
    MessageTemplate,
    WordingList,
)
from server.models.money import Payment, PaymentPromise, PromiseStatus
from server.models.offers import (
    ApprovalLimit,
    OfferKind,
    OfferRequest,
    OfferStatus,
    PaymentOffer,
)
from server.models.organisation import Agency, AgencyKind, Team
from server.models.parties import Party, PartyRelationship, RelationshipKind
from server.models.quarantine import QuarantinedRecord, QuarantineStatus
from server.models.routing import PlanningRun, RoutePlan, RouteStop
from server.models.selection import (
    HistoryEvent,
    HistoryKind,
    ModelStatus,
    SelectionArm,
    SelectionModel,
    SelectionScore,
)
from server.models.selfservice import SelfServiceCode, SelfServiceLink
from server.models.sync import FactEffect, PushReceipt, SyncChange, SyncCursor
from server.models.users import AuthToken, Device, LoginThrottle, Role, User
from server.models.visits import Visit, VisitAssignee, VisitStatus

__all__ = [
    "Account", "Address", "AddressKind", "AddressReport", "Agency", "AgencyKind", "ApiClient",
    "ApprovalLimit",
    "Attachment", "AuditEvent", "AuthToken", "Base", "Blob", "BlobUpload", "CallLog", "Case",
    "CaseEvent", "CaseEventKind", "CaseRequestFact", "CaseStatus", "CashDeposit", "CheckIn",
    "Complaint", "ComplaintStatus", "Consent", "ConsentKind", "ConsentText", "ContactAttempt",
    "ContactPoint", "Device", "FactEffect", "FollowUp", "FollowUpKind", "HistoryEvent",
    "HistoryKind", "ImportChange", "ImportRun", "ImportUpload", "InboundAction",
    "InboundMessage", "JobRun", "JobRunStatus", "LenderPosting", "LoginThrottle",
    "MessageTemplate", "ModelStatus", "OfferKind", "OfferRequest", "OfferStatus",
    "OptOut", "OutboxMessage", "OutcomeCode", "Party",
    "PartyRelationship", "Payment", "PaymentOffer", "PaymentPromise", "Placement", "PlanningRun",
    "PostingConflict", "PostingKind", "PromiseStatus", "PushReceipt", "QuarantineStatus",
    "QuarantinedRecord", "RelationshipKind", "ReversalReason", "Role", "RoutePlan", "RouteStop",
    "RuleProfile", "RuleProfileVersion", "SchedulerLease", "SelectionArm", "SelectionModel",
    "SelectionScore", "SelfServiceCode", "SelfServiceLink", "StandingRecallRules", "SyncChange",
    "SyncCursor", "Team",
    "User", "Verification", "Violation",
    "Visit", "VisitAssignee", "VisitNote", "VisitOutcome", "VisitStatus", "WordingList",
    "apscheduler_jobs", "new_id", "utcnow",
]
