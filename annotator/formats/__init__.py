"""File formats: one module per format, each reading or writing domain objects."""
