"""pytest plugin entry point (placeholder until the fixture lands)."""
