"""`python -m client_stub …`: a collector's phone on the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from client_stub.client import DEFAULT_HOME, DoorstepClient, SyncError
from client_stub.transport import TransportError

OUTCOME_CODES = ("MET_DEBTOR", "NOT_HOME", "MOVED", "REFUSED", "WRONG_ADDRESS",
                 "THIRD_PARTY_MET", "PAID", "PROMISED", "DISPUTED", "ASKED_TO_LEAVE",
                 "DISTRESSED")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client_stub",
                                     description="Doorstep reference device (offline outbox).")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME,
                        help=f"state directory (default {DEFAULT_HOME})")
    sub = parser.add_subparsers(dest="command", required=True)

    login = sub.add_parser("login", help="get a token bound to this device")
    login.add_argument("--server", required=True)
    login.add_argument("--username", required=True)
    login.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input (else prompt)")
    login.add_argument("--device-id", required=True)

    sub.add_parser("sync", help="push the outbox, then pull")
    route = sub.add_parser("route", help="today's route from the pulled route stops")
    route.add_argument("--date", help="YYYY-MM-DD (default today)")
    sub.add_parser("status", help="outbox size, rejected facts, last sync")

    record = sub.add_parser("record", help="record a fact offline (goes to the outbox)")
    kinds = record.add_subparsers(dest="what", required=True)
    check_in = kinds.add_parser("check-in")
    check_in.add_argument("--visit", required=True)
    check_in.add_argument("--lat", type=float)
    check_in.add_argument("--lng", type=float)
    check_in.add_argument("--accuracy", type=float)
    check_in.add_argument("--out", action="store_true", help="a check-out")
    outcome = kinds.add_parser("outcome")
    outcome.add_argument("--visit", required=True)
    outcome.add_argument("--code", required=True, choices=OUTCOME_CODES)
    outcome.add_argument("--note")
    outcome.add_argument("--discussed-debt", action="store_true")
    note = kinds.add_parser("note")
    note.add_argument("--visit", required=True)
    note.add_argument("--body", required=True)
    promise = kinds.add_parser("promise")
    promise.add_argument("--visit", required=True)
    promise.add_argument("--amount", required=True)
    promise.add_argument("--due", required=True, help="YYYY-MM-DD")
    promise.add_argument("--account")
    consent = kinds.add_parser("consent")
    consent.add_argument("--visit", required=True)
    consent.add_argument("--kind", default="recording")
    consent.add_argument("--method", default="verbal_recorded")
    consent.add_argument("--party", help="default: the case's debtor")
    consent.add_argument("--text", help="consent_texts id (default: latest of --kind)")
    payment = kinds.add_parser("payment")
    payment.add_argument("--visit", required=True)
    payment.add_argument("--amount", required=True)
    payment.add_argument("--method", default="cash", choices=("cash", "transfer", "qr"))
    payment.add_argument("--receipt")
    payment.add_argument("--account")
    report = kinds.add_parser("address-report")
    report.add_argument("--visit", required=True)
    report.add_argument("--kind", default="coordinates",
                        choices=("moved", "wrong", "coordinates", "new_address"))
    report.add_argument("--lat", type=float)
    report.add_argument("--lng", type=float)
    report.add_argument("--note")
    photo = kinds.add_parser("photo")
    photo.add_argument("--visit", required=True)
    photo.add_argument("--file", type=Path, required=True)
    photo.add_argument("--content-type", default="image/jpeg")
    return parser


def _record(client: DoorstepClient, a) -> dict:
    if a.what == "check-in":
        return client.check_in(a.visit, a.lat, a.lng, a.accuracy, "out" if a.out else "in")
    if a.what == "outcome":
        return client.outcome(a.visit, a.code, a.note, a.discussed_debt)
    if a.what == "note":
        return client.note(a.visit, a.body)
    if a.what == "promise":
        return client.promise(a.visit, a.amount, a.due, a.account)
    if a.what == "consent":
        return client.consent(a.visit, a.kind, a.method, a.party, a.text)
    if a.what == "payment":
        return client.payment(a.visit, a.amount, a.method, a.receipt, account_id=a.account)
    if a.what == "address-report":
        return client.address_report(a.visit, a.kind, a.lat, a.lng, a.note)
    if a.what == "photo":
        return client.photo(a.visit, a.file.read_bytes(), a.content_type)
    raise AssertionError(a.what)  # pragma: no cover


def main(argv: list[str] | None = None, stdin=None, stdout=None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    client = DoorstepClient(args.home)

    def out(value) -> None:
        stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")

    try:
        if args.command == "login":
            password = (stdin.readline().rstrip("\n") if args.password_stdin
                        else getpass.getpass("password: "))
            client.login(args.server, args.username, password, args.device_id)
            out({"logged_in": args.username, "device_id": args.device_id})
        elif args.command == "sync":
            result = client.sync()
            out({"pushed": result.pushed, "rejected": result.rejected,
                 "rejected_ids": result.rejected_ids, "pulled": result.upserted,
                 "deleted": result.deleted, "conflicts": result.conflicts,
                 "timestamp": result.timestamp})
        elif args.command == "record":
            out(_record(client, args))
        elif args.command == "route":
            out(client.route(args.date))
        elif args.command == "status":
            out(client.status())
    except (SyncError, TransportError, ValueError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    finally:
        client.close()
    return 0
