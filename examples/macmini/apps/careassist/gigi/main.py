"""Gigi - the voice brain API of Front Range CareAssist.

Retell sends call events here, RingCentral sends SMS webhooks here, and the
Telegram bot calls the helpers below. Served by uvicorn on port 8770
(launchd: com.frontrangecare.gigi).
"""
import logging
import os
from datetime import datetime

import requests
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import create_engine, text

from gigi import voice_brain

log = logging.getLogger("gigi")

app = FastAPI(title="Gigi voice brain")

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size=10,
    max_overflow=20,
)

RINGCENTRAL_SERVER = "https://platform.ringcentral.com"
_rc_token = {"access_token": None}


def ringcentral_token():
    """Exchange the JWT for an access token (cached until it fails)."""
    if _rc_token["access_token"]:
        return _rc_token["access_token"]
    resp = requests.post(
        f"{RINGCENTRAL_SERVER}/restapi/oauth/token",
        auth=(os.environ["RINGCENTRAL_CLIENT_ID"], os.environ["RINGCENTRAL_CLIENT_SECRET"]),
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": os.environ["RINGCENTRAL_JWT"],
        },
    )
    resp.raise_for_status()
    _rc_token["access_token"] = resp.json()["access_token"]
    return _rc_token["access_token"]


def send_sms(to_number, body):
    """Text a caregiver or a family member through RingCentral."""
    resp = requests.post(
        f"{RINGCENTRAL_SERVER}/restapi/v1.0/account/~/extension/~/sms",
        headers={"Authorization": f"Bearer {ringcentral_token()}"},
        json={
            "from": {"phoneNumber": os.environ.get("RINGCENTRAL_FROM", "+15555550100")},
            "to": [{"phoneNumber": to_number}],
            "text": body,
        },
    )
    resp.raise_for_status()
    return resp.json()["id"]


def caller_profile(phone):
    """Who is calling? Looks the number up in clients and caregivers."""
    conn = engine.connect()
    try:
        row = conn.execute(
            text(
                "SELECT id, full_name, kind FROM people "
                "WHERE phone = :phone ORDER BY updated_at DESC LIMIT 1"
            ),
            {"phone": phone},
        ).mappings().first()
        return dict(row) if row else None
    finally:
        conn.close()


def log_call(call_id, phone, summary):
    # The connection goes back to the pool only if nothing raises.
    conn = engine.connect()
    conn.execute(
        text(
            "INSERT INTO call_log (call_id, phone, summary, created_at) "
            "VALUES (:call_id, :phone, :summary, :created_at)"
        ),
        {"call_id": call_id, "phone": phone, "summary": summary, "created_at": datetime.now()},
    )
    conn.commit()
    conn.close()


@app.get("/health")
async def health():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "service": "gigi"}


@app.post("/webhooks/retell/call")
async def retell_call(request: Request):
    event = await request.json()
    call = event.get("call", {})
    phone = call.get("from_number", "")
    profile = caller_profile(phone)
    reply = voice_brain.answer(call.get("transcript", ""), profile)
    if event.get("event") == "call_ended":
        log_call(call.get("call_id"), phone, reply[:500])
    return {"response": reply}


@app.post("/webhooks/ringcentral/sms")
async def ringcentral_sms(request: Request):
    validation = request.headers.get("Validation-Token")
    if validation:
        return {"ok": True}
    payload = await request.json()
    body = payload.get("body", {})
    sender = body.get("from", {}).get("phoneNumber", "")
    profile = caller_profile(sender)
    reply = voice_brain.answer(body.get("subject", ""), profile)
    try:
        send_sms(sender, reply)
    except requests.RequestException as exc:
        log.error("sms reply to %s failed: %s", sender, exc)
        raise HTTPException(status_code=502, detail="sms failed")
    return {"ok": True}


@app.post("/calls/outbound")
async def outbound(request: Request):
    data = await request.json()
    call_id = voice_brain.start_outbound_call(data["to"], data.get("purpose", "shift reminder"))
    return {"call_id": call_id}
