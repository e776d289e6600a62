# SPDX-License-Identifier: Apache-2.0
"""The visit board: model, filter proxy and the view around them."""
