"""Billing: invoices per client and the billing calendar in Google (:8772)."""
import os
from datetime import datetime, timedelta, timezone

import requests
from fastapi import FastAPI, HTTPException
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=10)

GOOGLE_CALENDAR = "https://www.googleapis.com/calendar/v3"

app = FastAPI(title="CareAssist billing")


@app.get("/health")
def health():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/api/billing/calendar")
def billing_calendar():
    now = datetime.now(timezone.utc)
    try:
        resp = requests.get(
            f"{GOOGLE_CALENDAR}/calendars/{os.environ['GOOGLE_CALENDAR_ID']}/events",
            params={
                "key": os.environ["GOOGLE_API_KEY"],
                "timeMin": now.isoformat(),
                "timeMax": (now + timedelta(days=31)).isoformat(),
                "singleEvents": "true",
            },
            timeout=10,
        )
        resp.raise_for_status()
    except requests.RequestException:
        raise HTTPException(status_code=503, detail="Google Calendar unavailable")
    return resp.json().get("items", [])


@app.get("/api/invoices/{client_id}")
def invoices(client_id: int):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM invoices WHERE client_id = :c ORDER BY issued_on DESC"),
            {"c": client_id},
        ).mappings().all()
    return [dict(r) for r in rows]
