"""Headless subcommands (login, logout, sync, status) are registered here."""
