"""Thin client for the WellSky Personal Care API, plus the DB writes."""
import logging
import os

import psycopg2
import psycopg2.extras
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger("wellsky")

WELLSKY_BASE = "https://api.wellsky.com"
DATABASE_URL = os.environ.get("DATABASE_URL")


def make_session():
    retry = Retry(
        total=4,
        backoff_factor=2,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


class WellSkyClient:
    def __init__(self, client_id=None, client_secret=None):
        self.client_id = client_id or os.environ["WELLSKY_CLIENT_ID"]
        self.client_secret = client_secret or os.environ["WELLSKY_CLIENT_SECRET"]
        self.session = make_session()
        self._token = None

    def _auth(self):
        if self._token is None:
            resp = self.session.post(
                f"{WELLSKY_BASE}/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                timeout=(5, 30),
            )
            resp.raise_for_status()
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def _get_all(self, path, **params):
        """Follow WellSky's page links until the last page."""
        items = []
        url = f"{WELLSKY_BASE}/personalcare/v1/{path}"
        while url:
            resp = self.session.get(url, headers=self._auth(), params=params, timeout=(5, 30))
            resp.raise_for_status()
            body = resp.json()
            items.extend(body.get("data", []))
            url = body.get("links", {}).get("next")
            params = None
        return items

    def clients(self):
        return self._get_all("clients", status="active")

    def caregivers(self):
        return self._get_all("caregivers", status="active")

    def visits(self, start, end):
        return self._get_all("visits", start=start, end=end)


def save_rows(table, rows, key="wellsky_id"):
    """Upsert rows into table. Each row is a dict with the same keys."""
    if not rows:
        return 0
    conn = psycopg2.connect(DATABASE_URL)
    try:
        with conn, conn.cursor() as cur:
            cols = list(rows[0].keys())
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != key)
            sql = (
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES %s "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            psycopg2.extras.execute_values(cur, sql, [tuple(r[c] for c in cols) for r in rows])
        return len(rows)
    finally:
        conn.close()
