"""The organization, its units, people and periods."""
