"""Check-ins: the weekly values and confidence recorded against key results."""
