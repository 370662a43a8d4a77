"""What stored device facts imply: visit state, promises, the contact ledger, evidence, flags."""
