"""Shift scheduler: matches open visits with available caregivers (:8771)."""
import os
from datetime import date

from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=5)

app = FastAPI(title="CareAssist scheduler")


@app.get("/health")
def health():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/api/schedule/{day}")
def schedule(day: date):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM visits WHERE visit_date = :d ORDER BY start_time"), {"d": day}
        ).mappings().all()
    return [dict(r) for r in rows]


@app.post("/api/schedule/{visit_id}/assign/{caregiver_id}")
def assign(visit_id: int, caregiver_id: int):
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE visits SET caregiver_id = :g, updated_at = now() WHERE id = :v"),
            {"g": caregiver_id, "v": visit_id},
        )
    return {"ok": True}
