"""Headway: Key Result Areas, KPIs and OKRs for a whole organization."""

__version__ = "0.1.0"
