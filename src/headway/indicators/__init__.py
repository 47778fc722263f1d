"""KPIs: indicators, their targets per period and their measurements."""
