#!/usr/bin/env python3
"""Morning summary for the office: today's visits, open shifts, sync status.

Run by launchd (com.frontrangecare.daily-report), Monday to Friday 07:30.
"""
import json
import os
from datetime import datetime
from pathlib import Path

import psycopg2
import requests

DATA_DIR = Path.home() / "data"


def todays_export():
    """The WellSky export written by the sync job, named after today's date."""
    name = "wellsky-export-" + datetime.now().strftime("%Y-%m-%d") + ".json"
    with open(DATA_DIR / name) as fh:
        return json.load(fh)


def open_shifts():
    conn = psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM visits WHERE visit_date = current_date "
                "AND caregiver_id IS NULL"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def main():
    export = todays_export()
    text = (
        f"Good morning. {len(export.get('visits', []))} visits today, "
        f"{open_shifts()} still unassigned. Last WellSky sync: "
        f"{export.get('synced_at', 'unknown')}."
    )
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    requests.post(
        f"https://api.telegram.org/bot{token}/sendMessage",
        data={"chat_id": os.environ.get("TELEGRAM_OFFICE_CHAT_ID", "-1000000000001"), "text": text},
        timeout=15,
    )
    print(datetime.now().isoformat(timespec="seconds"), "report sent")


if __name__ == "__main__":
    main()
