# SPDX-License-Identifier: Apache-2.0
"""The reference back office: an HTTP service (FastAPI) over SQLAlchemy Core storage."""
