# SPDX-License-Identifier: Apache-2.0
"""Non-modal dialogs (opened with open()/show(), never exec())."""
