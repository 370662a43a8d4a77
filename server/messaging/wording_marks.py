"""`N_` marks a message a debtor may read (a refusal on the self-service page) for the
self-service catalogue; the page translates it when it shows it."""


def N_(text: str) -> str:
    return text
