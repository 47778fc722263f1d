"""The REST API, /api/v1/: the same services and access policy as the pages."""
