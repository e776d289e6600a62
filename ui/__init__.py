"""Field Concierge's PySide6 front end: renders the core's state, sends intents back."""
