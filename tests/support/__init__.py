"""Test support: a real local HTTP server, tiny real stores, markets, the app in AppTest."""
