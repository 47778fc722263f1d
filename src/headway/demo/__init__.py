"""The demo organization: a realistic company to try Headway with."""
