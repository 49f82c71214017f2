"""Optional API keys (hashed in SQLite: store.py) and per-key usage (usage.py); the Flask
side, authentication and per-key rate limits, is ``service/api/auth.py``."""
