"""Geocoding, address verification and time zones: plain functions, no Flask, no database.

Modules: parsing (Chinese addresses), regions (cpca's region table), coords (WGS-84 /
GCJ-02 / BD-09), geocoders (interface, result, chain), offline, gazetteer, providers (geopy),
precision, cache, factory (build_geocoder), timezones, verification, address_states.
Importing this package loads no data and opens no connection; each module loads on first use.
"""
