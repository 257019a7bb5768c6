"""The reasoning behind Gigi's answers: WellSky data, Claude, Retell calls."""
import json
import logging
import os
import time
from pathlib import Path

import httpx
import requests

log = logging.getLogger("gigi.voice_brain")

WELLSKY_BASE = "https://api.wellsky.com/personalcare/v1"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
RETELL_BASE = "https://api.retellai.com"
CACHE_DIR = Path.home() / "apps" / "careassist" / "cache"
CACHE_MAX_AGE = 6 * 3600

SYSTEM_PROMPT = (
    "You are Gigi, the friendly scheduling assistant of Front Range CareAssist. "
    "Answer briefly. Never read out medical details over the phone."
)


def _wellsky_token():
    resp = requests.post(
        "https://api.wellsky.com/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["WELLSKY_CLIENT_ID"],
            "client_secret": os.environ["WELLSKY_CLIENT_SECRET"],
        },
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["access_token"]


def client_schedule(client_id):
    """Upcoming visits for a client; falls back to the local cache."""
    cache_file = CACHE_DIR / f"schedule-{client_id}.json"
    try:
        resp = requests.get(
            f"{WELLSKY_BASE}/clients/{client_id}/visits",
            headers={"Authorization": f"Bearer {_wellsky_token()}"},
            params={"range": "7d"},
            timeout=8,
        )
        resp.raise_for_status()
        visits = resp.json()["visits"]
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps({"at": time.time(), "visits": visits}))
        return visits
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("WellSky unavailable (%s), using cached schedule", exc)
        if cache_file.exists():
            cached = json.loads(cache_file.read_text())
            if time.time() - cached["at"] < CACHE_MAX_AGE:
                return cached["visits"]
        return []


def ask_claude(question, context):
    resp = httpx.post(
        ANTHROPIC_URL,
        headers={
            "x-api-key": os.environ["ANTHROPIC_API_KEY"],
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
        },
        json={
            "model": "claude-sonnet-4-5",
            "max_tokens": 400,
            "system": SYSTEM_PROMPT,
            "messages": [
                {"role": "user", "content": f"Context:\n{context}\n\nCaller said: {question}"}
            ],
        },
        timeout=30,
    )
    resp.raise_for_status()
    return resp.json()["content"][0]["text"]


def answer(question, profile):
    """What Gigi says back. Only the WellSky part has a fallback."""
    if profile and profile.get("kind") == "client":
        visits = client_schedule(profile["id"])
        context = json.dumps({"caller": profile["full_name"], "visits": visits})
    else:
        context = json.dumps({"caller": profile["full_name"] if profile else "unknown"})
    return ask_claude(question, context)


def start_outbound_call(to_number, purpose):
    """Ask Retell to place a call with the Gigi agent."""
    resp = requests.post(
        f"{RETELL_BASE}/v2/create-phone-call",
        headers={"Authorization": f"Bearer {os.environ['RETELL_API_KEY']}"},
        json={
            "from_number": os.environ.get("RETELL_FROM_NUMBER", "+15555550123"),
            "to_number": to_number,
            "retell_llm_dynamic_variables": {"purpose": purpose},
        },
    )
    resp.raise_for_status()
    return resp.json()["call_id"]


def call_status(call_id):
    resp = requests.get(
        f"{RETELL_BASE}/v2/get-call/{call_id}",
        headers={"Authorization": f"Bearer {os.environ['RETELL_API_KEY']}"},
    )
    resp.raise_for_status()
    return resp.json().get("call_status")
