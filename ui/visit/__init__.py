# SPDX-License-Identifier: Apache-2.0
"""Visit detail: who and where, why (insights), evidence (charts), history."""
