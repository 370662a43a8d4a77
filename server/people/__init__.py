"""Users as the rest of the service sees them: listing within one's scope, profile reads."""
