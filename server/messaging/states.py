"""An outbox message's states (OutboxMessage.status) and which of them an operator may touch."""

PENDING = "pending"  # waiting for its due time (or its next retry)
SENDING = "sending"  # claimed by a delivery run under a lease; the provider may have it
SENT = "sent"  # the provider accepted it
DELIVERED = "delivered"  # the provider's receipt says it reached the handset / mailbox
FAILED = "failed"  # refused for good, or out of retries, or the receipt says undelivered
BLOCKED = "blocked"  # the rules forbid it at send time (opt-out, cease, attorney)
CANCELLED = "cancelled"  # an operator withdrew it
UNKNOWN = "unknown"  # a send was interrupted on a provider without idempotency: check, retry

ALL = (PENDING, SENDING, SENT, DELIVERED, FAILED, BLOCKED, CANCELLED, UNKNOWN)
CANCELLABLE = (PENDING, UNKNOWN, FAILED, BLOCKED)
RETRYABLE = (FAILED, UNKNOWN, BLOCKED, CANCELLED)
