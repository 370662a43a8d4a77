"""The demo operation `flask demo seed` creates: synthetic people in Shanghai, no Flask here."""
