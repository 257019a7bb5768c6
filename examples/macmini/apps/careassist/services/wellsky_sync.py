"""Two-hourly WellSky -> PostgreSQL sync (cron: 0 */2 * * *).

Run as `.venv/bin/python -m services.wellsky_sync` from ~/apps/careassist.
Also writes a dated JSON export that the morning report reads.
"""
import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from dotenv import load_dotenv

# cron gives us no environment; take the app's .env
load_dotenv(Path(__file__).resolve().parent.parent / ".env")

from services.wellsky_service import WellSkyClient, save_rows  # noqa: E402

logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)
log = logging.getLogger("wellsky_sync")

DATA_DIR = Path.home() / "data"


def main():
    started = datetime.now()
    export_path = DATA_DIR / ("wellsky-export-" + started.strftime("%Y-%m-%d") + ".json")
    log.info("sync start, export to %s", export_path)

    ws = WellSkyClient()
    clients = ws.clients()
    caregivers = ws.caregivers()
    today = started.date()
    visits = ws.visits(today.isoformat(), (today + timedelta(days=14)).isoformat())
    log.info("fetched %d clients, %d caregivers, %d visits", len(clients), len(caregivers), len(visits))

    n = save_rows("clients", [
        {"wellsky_id": c["id"], "full_name": c["name"], "phone": c.get("phone"),
         "status": c.get("status"), "updated_at": started}
        for c in clients
    ])
    n += save_rows("caregivers", [
        {"wellsky_id": g["id"], "full_name": g["name"], "phone": g.get("phone"),
         "updated_at": started}
        for g in caregivers
    ])
    n += save_rows("visits", [
        {"wellsky_id": v["id"], "client_wellsky_id": v["clientId"],
         "caregiver_wellsky_id": v.get("caregiverId"), "visit_date": v["date"],
         "start_time": v["start"], "end_time": v["end"], "updated_at": started}
        for v in visits
    ])

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(export_path, "w") as fh:
        json.dump({"synced_at": started.isoformat(), "clients": clients,
                   "caregivers": caregivers, "visits": visits}, fh)

    # Point "latest" at today's export for the dashboards.
    latest = DATA_DIR / "wellsky-export-latest.json"
    target = "wellsky-export-" + datetime.now().strftime("%Y-%m-%d") + ".json"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(target, latest)

    log.info("sync done: %d rows upserted in %s", n, datetime.now() - started)


if __name__ == "__main__":
    main()
