"""The visit board: model, filter proxy and the view around them."""
