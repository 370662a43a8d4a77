"""Address verification against the database: geocoding, field evidence, manual verification.

The pure parts (parsing, geocoders, time zones, the state machine) live in server.addresses.geo.
"""
