"""The BI feed: flat, documented fact and dimension tables as files and read-only SQL views."""
