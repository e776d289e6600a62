"""Data files shipped with the app (icons, QSS theme, .desktop template).

Read them with ``importlib.resources.files("resources")``.
"""
