"""Builds the console blueprint once, at first import: guards, headers, error pages, pages."""

from server.console import (  # noqa: F401  (each page module registers its routes)
    autoassign_pages,
    blp,
    board_pages,
    case_pages,
    collector_pages,
    complaint_pages,
    compliance_pages,
    errors,
    followup_pages,
    headers,
    i18n,
    import_pages,
    outbox_pages,
    plan_pages,
    quarantine_pages,
    report_pages,
    session,
    sign_in,
    visit_pages,
)

i18n.install(blp)
session.install_guards(blp)
headers.install(blp)
errors.install(blp)
