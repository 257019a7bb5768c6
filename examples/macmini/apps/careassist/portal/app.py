"""Client portal. Production on :8765 (two workers), staging on :8766 runs
the same code against the careassist_staging database (APP_ENV=staging)."""
import os

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

APP_ENV = os.environ.get("APP_ENV", "production")

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size=10,
    max_overflow=10,
    pool_timeout=30,
)
SessionLocal = sessionmaker(bind=engine)

app = FastAPI(title=f"CareAssist portal ({APP_ENV})")


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.get("/health")
def health(db: Session = Depends(get_db)):
    db.execute(text("SELECT 1"))
    return {"status": "ok", "env": APP_ENV}


@app.get("/api/clients/{client_id}/visits")
def client_visits(client_id: int, db: Session = Depends(get_db)):
    rows = db.execute(
        text(
            "SELECT v.visit_date, v.start_time, v.end_time, g.full_name AS caregiver "
            "FROM visits v LEFT JOIN caregivers g ON g.wellsky_id = v.caregiver_wellsky_id "
            "JOIN clients c ON c.wellsky_id = v.client_wellsky_id "
            "WHERE c.id = :cid AND v.visit_date >= current_date ORDER BY v.visit_date"
        ),
        {"cid": client_id},
    ).mappings().all()
    if rows is None:
        raise HTTPException(status_code=404)
    return [dict(r) for r in rows]


@app.get("/api/caregivers/open-shifts")
def open_shifts(db: Session = Depends(get_db)):
    rows = db.execute(
        text("SELECT * FROM visits WHERE caregiver_wellsky_id IS NULL AND visit_date >= current_date")
    ).mappings().all()
    return [dict(r) for r in rows]
