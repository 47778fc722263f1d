"""Adapters between Headway's plain goal values and files: the headway.yaml goals file, checks."""
