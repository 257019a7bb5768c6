#!/bin/bash
# token-cleanup.sh - 02:30 nightly: remove expired portal sessions and
# spent OAuth tokens so the tables don't grow without bound.

echo "$(date '+%Y-%m-%d %H:%M:%S') token cleanup"
/opt/homebrew/bin/psql -h localhost -U careassist -d careassist -v ON_ERROR_STOP=1 <<'SQL'
DELETE FROM portal_sessions WHERE expires_at < now();
DELETE FROM oauth_tokens WHERE expires_at < now() - interval '1 day';
SQL
echo "$(date '+%Y-%m-%d %H:%M:%S') done (exit $?)"
