"""The references module's jobs (``hobbymatch_jobs``): the reveal after 14 days."""

from sqlalchemy.orm import Session

from core import job
from modules.references import service


@job("reveal")
def reveal(db: Session, reference_id: int) -> None:
    """Reveal a reference 14 days after it was written, if the other person wrote none."""
    service.reveal(db, reference_id=reference_id)
