"""YAML to domain: loading with positions, expressions, templates, validation."""
