"""Asynchronous jobs: batches of summarise/translate items run in the background.

Two backends share one model (``model.py``) and one HTTP API (``service/api/jobs.py``):
SQLite in a data dir with worker threads in the service process (``store.py``,
``runner.py``), or Redis with RQ and ``ringkas worker`` processes (``redis_queue.py``).
"""
