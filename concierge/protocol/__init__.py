# SPDX-License-Identifier: Apache-2.0
"""The wire contract: the pydantic models the laptop and the back office both speak."""
