"""Payment promises (PTPs): one active per account, kept or broken decided by the server alone."""
