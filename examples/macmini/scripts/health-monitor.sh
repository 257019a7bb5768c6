#!/bin/bash
# health-monitor.sh - run by cron every 5 minutes.
# Probes each web service's /health endpoint and postgres. Restarts the
# services it knows how to restart and sends a Telegram alert for anything
# that is down.

LOG_DIR="$HOME/logs"
UID_NUM=$(id -u)
HOSTNAME_SHORT=$(scutil --get ComputerName 2>/dev/null || hostname -s)

# TELEGRAM_BOT_TOKEN and TELEGRAM_ALERT_CHAT_ID come from the app's .env
set -a
. "$HOME/apps/careassist/.env"
set +a

log() {
    echo "$(date '+%Y-%m-%d %H:%M:%S') [health] $*"
}

alert() {
    local text="[$HOSTNAME_SHORT] $*"
    curl -s --max-time 10 \
        -X POST "https://api.telegram.org/bot${TELEGRAM_BOT_TOKEN}/sendMessage" \
        -d chat_id="${TELEGRAM_ALERT_CHAT_ID}" \
        --data-urlencode text="$text" > /dev/null
}

# label:port:action   (action: restart = kickstart and alert, alert = alert only)
SERVICES="
com.frontrangecare.portal:8765:restart
com.frontrangecare.portal-staging:8766:restart
com.frontrangecare.gigi:8770:restart
com.frontrangecare.scheduler:8771:restart
com.frontrangecare.billing:8772:restart
com.frontrangecare.family-portal:8773:alert
com.frontrangecare.analytics:8774:alert
"

FAILED=0

for entry in $SERVICES; do
    label=${entry%%:*}
    rest=${entry#*:}
    port=${rest%%:*}
    action=${rest#*:}

    if curl -sf --max-time 5 "http://127.0.0.1:${port}/health" > /dev/null; then
        continue
    fi

    FAILED=$((FAILED + 1))
    log "DOWN ${label} (port ${port})"

    if [ "$action" = "restart" ]; then
        launchctl kickstart -k "gui/${UID_NUM}/${label}"
        log "kickstarted ${label}"
        alert "${label} was down on port ${port}, restarted"
    else
        alert "${label} is down on port ${port} - needs a look"
    fi
done

# Postgres
if ! pg_isready -h localhost -p 5432 -q; then
    FAILED=$((FAILED + 1))
    log "DOWN postgres (localhost:5432)"
    alert "PostgreSQL is not accepting connections on localhost:5432"
fi

# Public URL through the tunnel (production only)
if ! curl -sf --max-time 10 "https://careassist.example.com/health" > /dev/null; then
    log "public URL https://careassist.example.com/health failed"
    alert "careassist.example.com is not reachable through the tunnel"
fi

# Disk
USED_PCT=$(df -P / | awk 'NR==2 {gsub("%","",$5); print $5}')
if [ "${USED_PCT:-0}" -ge 95 ]; then
    log "disk / at ${USED_PCT}%"
    alert "Disk / is at ${USED_PCT}%"
fi

if [ "$FAILED" -eq 0 ]; then
    log "all ok"
fi
