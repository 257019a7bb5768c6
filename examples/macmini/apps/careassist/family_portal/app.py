"""Family portal: relatives see visit notes and the care team (:8773)."""
import os

from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=5)

app = FastAPI(title="CareAssist family portal")

# Warm the pool at import so the first page is fast; if postgres refuses
# the connection here, the process exits before it serves anything.
with engine.connect() as _conn:
    _conn.execute(text("SELECT 1"))


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/api/family/{client_id}/notes")
def notes(client_id: int):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT visit_date, caregiver_name, note FROM visit_notes "
                "WHERE client_id = :c AND shared_with_family ORDER BY visit_date DESC LIMIT 50"
            ),
            {"c": client_id},
        ).mappings().all()
    return [dict(r) for r in rows]
