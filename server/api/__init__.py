"""HTTP entrypoints: one flask-smorest Blueprint per resource, thin views over services."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from server.api import security


def register(app: Flask, api: Api) -> None:
    """Attach every blueprint and the authentication guard."""
    from server.api.addresses import blp as addresses_blp
    from server.api.api_clients import blp as api_clients_blp
    from server.api.attachments import blp as attachments_blp
    from server.api.audit import blp as audit_blp
    from server.api.auth import blp as auth_blp
    from server.api.cases import blp as cases_blp
    from server.api.cash import blp as cash_blp
    from server.api.complaints import blp as complaints_blp
    from server.api.complaints import cases_blp as case_complaints_blp
    from server.api.compliance import blp as compliance_blp
    from server.api.devices import blp as devices_blp
    from server.api.exports import blp as exports_blp
    from server.api.fact_flags import blp as review_flags_blp
    from server.api.failed_effects import blp as fact_effects_blp
    from server.api.followups import blp as followups_blp
    from server.api.health import blp as health_blp
    from server.api.imports import blp as imports_blp
    from server.api.message_templates import blp as message_templates_blp
    from server.api.message_templates import wording_blp as message_wording_blp
    from server.api.messaging_hooks import blp as messaging_hooks_blp
    from server.api.offers import blp as offers_blp
    from server.api.offers import cases_blp as case_offers_blp
    from server.api.outbox import blp as outbox_blp
    from server.api.payments import blp as postings_blp
    from server.api.placements import blp as placements_blp
    from server.api.promises import blp as promises_blp
    from server.api.quarantine import blp as quarantine_blp
    from server.api.receipts import blp as receipts_blp
    from server.api.reports import blp as reports_blp
    from server.api.route_plans import blp as route_plans_blp
    from server.api.selection import blp as selection_blp
    from server.api.self_service import blp as self_service_blp
    from server.api.sync import blp as sync_blp
    from server.api.users import UserIdConverter, user_id_schema
    from server.api.users import blp as users_blp
    from server.api.visits import blp as visits_blp

    app.url_map.converters["user_id"] = UserIdConverter
    api.register_converter(UserIdConverter, user_id_schema)
    for blp in (health_blp, auth_blp, users_blp, audit_blp, imports_blp,
                sync_blp, attachments_blp, quarantine_blp, devices_blp,
                compliance_blp, promises_blp, review_flags_blp, fact_effects_blp,
                followups_blp,
                visits_blp, addresses_blp, route_plans_blp, cases_blp, complaints_blp,
                case_complaints_blp, messaging_hooks_blp, outbox_blp, message_templates_blp,
                message_wording_blp,
                api_clients_blp, postings_blp, placements_blp,
                receipts_blp, reports_blp, exports_blp, cash_blp, selection_blp,
                offers_blp, case_offers_blp, self_service_blp):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
    security.init_app(app)
