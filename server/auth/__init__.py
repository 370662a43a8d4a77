"""Authentication: argon2 password hashes, opaque bearer tokens stored as hashes, devices."""
