"""Asynchronous jobs: what a job is (``model.py``), its SQLite store (``store.py``), batch
files (``batch.py``) and webhook delivery (``webhook.py``).

What runs jobs lives in ``service.runtime``: worker threads in the service process
(``local_jobs.py``), or Redis with RQ and ``ringkas worker`` processes (``redis_jobs.py``),
behind one interface (``jobs_backend.py``) and one HTTP API (``service/api/jobs.py``).
"""
