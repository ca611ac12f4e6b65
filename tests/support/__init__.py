"""Test support: a local HTTP server, tiny real stores, markets, parsers fed bodies, the app."""
