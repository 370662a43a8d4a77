"""Outbound messages and their answers: the gateway and its providers, the delivery job,
receipts, inbound replies, templates as data and the operators' outbox (docs/messaging.md)."""
