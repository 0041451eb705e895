"""briefgen: localized briefing documents from structured YAML content."""

__version__ = "0.1.0"
