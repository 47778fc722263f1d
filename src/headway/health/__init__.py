"""Health of an organization's goals: the checks of DESIGN §4 run on the database."""
