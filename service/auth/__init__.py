"""Optional API keys (hashed in SQLite: store.py) and per-key rate limits (middleware.py)."""
