"""Keeping goals alive: notifications, check-in cadences, reminders, and the worker's schedule."""
