"""The reference back office: an HTTP service (FastAPI) over SQLAlchemy Core storage."""
