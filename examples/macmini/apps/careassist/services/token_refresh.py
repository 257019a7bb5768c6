"""Refresh the RingCentral and WellSky access tokens every 30 minutes
(launchd: com.frontrangecare.token-refresh, StartInterval 1800) and store
them in oauth_tokens so every service uses the same one."""
import os
from datetime import datetime, timedelta

import psycopg2
import requests


def fetch_ringcentral():
    resp = requests.post(
        "https://platform.ringcentral.com/restapi/oauth/token",
        auth=(os.environ["RINGCENTRAL_CLIENT_ID"], os.environ["RINGCENTRAL_CLIENT_SECRET"]),
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": os.environ["RINGCENTRAL_JWT"],
        },
        timeout=20,
    )
    resp.raise_for_status()
    body = resp.json()
    return body["access_token"], body.get("expires_in", 3600)


def fetch_wellsky():
    resp = requests.post(
        "https://api.wellsky.com/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["WELLSKY_CLIENT_ID"],
            "client_secret": os.environ["WELLSKY_CLIENT_SECRET"],
        },
        timeout=20,
    )
    resp.raise_for_status()
    body = resp.json()
    return body["access_token"], body.get("expires_in", 3600)


def main():
    dsn = os.environ.get(
        "DATABASE_URL", "postgresql://careassist@localhost:5432/careassist"
    )
    conn = psycopg2.connect(dsn, connect_timeout=5)
    try:
        with conn, conn.cursor() as cur:
            for provider, fetch in (("ringcentral", fetch_ringcentral), ("wellsky", fetch_wellsky)):
                token, ttl = fetch()
                cur.execute(
                    "INSERT INTO oauth_tokens (provider, access_token, expires_at) "
                    "VALUES (%s, %s, %s)",
                    (provider, token, datetime.now() + timedelta(seconds=ttl)),
                )
        print(datetime.now().isoformat(timespec="seconds"), "tokens refreshed")
    finally:
        conn.close()


if __name__ == "__main__":
    main()
