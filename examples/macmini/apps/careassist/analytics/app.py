"""Analytics: dashboards for the owners, weekly summaries by Claude (:8774)."""
import os

import httpx
import pandas as pd
from fastapi import FastAPI
from psycopg2.pool import ThreadedConnectionPool

pool = ThreadedConnectionPool(minconn=2, maxconn=10, dsn=os.environ["DATABASE_URL"])

app = FastAPI(title="CareAssist analytics")


def query_df(sql, params=None):
    conn = pool.getconn()
    try:
        return pd.read_sql_query(sql, conn, params=params)
    finally:
        pool.putconn(conn)


@app.get("/health")
def health():
    query_df("SELECT 1 AS ok")
    return {"status": "ok"}


@app.get("/api/analytics/hours")
def hours_by_caregiver(weeks: int = 52):
    # Loads every visit of the period into memory before grouping.
    df = query_df(
        "SELECT * FROM visits WHERE visit_date >= current_date - %(days)s::int",
        {"days": weeks * 7},
    )
    df["hours"] = (pd.to_datetime(df["end_time"].astype(str)) -
                   pd.to_datetime(df["start_time"].astype(str))).dt.total_seconds() / 3600
    return df.groupby("caregiver_wellsky_id")["hours"].sum().to_dict()


@app.get("/api/analytics/summary")
def weekly_summary():
    df = query_df("SELECT visit_date, count(*) AS n FROM visits GROUP BY 1 ORDER BY 1 DESC LIMIT 7")
    resp = httpx.post(
        "https://api.anthropic.com/v1/messages",
        headers={
            "x-api-key": os.environ["ANTHROPIC_API_KEY"],
            "anthropic-version": "2023-06-01",
        },
        json={
            "model": "claude-sonnet-4-5",
            "max_tokens": 300,
            "messages": [{"role": "user", "content": "Summarise this week:\n" + df.to_csv()}],
        },
    )
    resp.raise_for_status()
    return {"summary": resp.json()["content"][0]["text"]}
