"""What the HTTP API needs of a jobs backend (SQLite threads or Redis with RQ)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from service.config import Settings
from service.errors import JobsStorageUnavailable, RingkasError
from service.jobs.model import JobRequest, JobState

if TYPE_CHECKING:
    from service.runtime.assembly import Runtime



class JobBackend(Protocol):
    def submit(self, owner: str | None, req: JobRequest) -> JobState: ...

    def get(self, job_id: str, owner: str | None, *, items: bool = True) -> JobState | None: ...

    def cancel(self, job_id: str, owner: str | None) -> JobState | None: ...

    def storage_fault(self) -> JobsStorageUnavailable | None:
        """Why jobs cannot be stored now (readiness reports it), or None."""
        ...

    def conflict(self) -> RingkasError | None:
        """Another instance owns this backend's storage (readiness fails with it), or None."""
        ...

    def claim(self) -> None:
        """Take the storage now rather than at the first job (a server at start)."""
        ...


def make_backend(settings: Settings, runtime: Runtime) -> JobBackend:
    """Redis (stateless service, ``ringkas worker`` runs items) when a Redis URL is set;
    otherwise SQLite in the data dir, with jobs of an earlier run resumed now."""
    if settings.jobs.redis_url:
        from service.runtime.redis_jobs import RedisJobs

        return RedisJobs(settings)
    from service.runtime.local_jobs import LocalJobs

    jobs = LocalJobs(settings, runtime)
    jobs.start_if_present()
    return jobs
