"""Mail a built briefing: settings, strict addresses, the message, and sending it over SMTP.

``settings`` is imported by the project-file model, so this package imports nothing heavy at the top.
"""
