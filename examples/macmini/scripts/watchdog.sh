#!/bin/bash
# watchdog.sh - run by cron every 2 minutes (and once at boot).
# Makes sure the core processes exist; health-monitor.sh does the HTTP checks.

AGENTS="$HOME/Library/LaunchAgents"
DOMAIN="gui/$(id -u)"
STAMP() { date '+%Y-%m-%d %H:%M:%S'; }

# Core app services. (family-portal and analytics are not critical.)
CORE_LABELS="com.frontrangecare.portal
com.frontrangecare.portal-staging
com.frontrangecare.gigi
com.frontrangecare.scheduler
com.frontrangecare.billing
com.frontrangecare.telegram-bot"

LISTING=$(launchctl list | grep frontrangecare)

for label in $CORE_LABELS; do
    line=$(echo "$LISTING" | awk -v l="$label" '$3 == l')
    if [ -z "$line" ]; then
        echo "$(STAMP) [watchdog] ${label} not loaded, loading"
        launchctl load -w "$AGENTS/${label}.plist"
        continue
    fi
    pid=$(echo "$line" | awk '{print $1}')
    if [ "$pid" = "-" ]; then
        echo "$(STAMP) [watchdog] ${label} loaded but not running, kickstarting"
        launchctl kickstart "$DOMAIN/${label}"
    fi
done

# Cloudflare tunnel
if ! pgrep -f cloudflared > /dev/null; then
    echo "$(STAMP) [watchdog] cloudflared not running, loading"
    launchctl load -w "$AGENTS/com.cloudflare.cloudflared.plist"
fi

# PostgreSQL
if ! pg_isready -h localhost -p 5432 -q; then
    echo "$(STAMP) [watchdog] postgres not ready, restarting via brew services"
    /opt/homebrew/bin/brew services restart postgresql@16
fi
