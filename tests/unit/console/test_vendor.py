"""Vendored browser assets are the pinned npm releases, each with its licence beside it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import server.console as console

VENDOR = Path(console.__file__).resolve().parent / "static" / "vendor"
AXE = Path(__file__).resolve().parents[2] / "e2e" / "console" / "vendor"
PINNED = {  # sha256 of the files as `npm pack` shipped them (VERSIONS.md)
    VENDOR / "htmx" / "htmx.min.js":
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    VENDOR / "leaflet" / "leaflet.js":
        "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    VENDOR / "markercluster" / "leaflet.markercluster.js":
        "1e4e1d22972a3926f48598e0caf14e3fe7049835d428a344fed4f9e3665b3508",
    AXE / "axe.min.js": "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
}


def test_each_vendored_script_is_the_pinned_release():
    for path, digest in PINNED.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path


def test_each_vendored_package_carries_its_licence():
    for path in PINNED:
        assert (path.parent / "LICENSE").read_text().strip(), path
