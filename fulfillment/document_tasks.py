"""Background job of the printing documents: takes an id and calls one service."""

from __future__ import annotations

from fulfillment.documents import print_job_build


def build_print_job(job_id: int) -> None:
    print_job_build(job_id=job_id)
