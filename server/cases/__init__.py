"""Case and account state: finding and reading cases, their timeline, the debtor's requests."""
