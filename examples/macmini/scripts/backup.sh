#!/bin/bash
# backup.sh - nightly at 03:00 from cron.
# 1. pg_dump of the careassist database (custom format)
# 2. tarball of the configs
# 3. copy everything to Google Drive with rclone
# 4. drop local copies older than a week

BACKUP_DIR="$HOME/backups"
DATE=$(date +%Y-%m-%d)

echo "=== backup started $(date '+%Y-%m-%d %H:%M:%S') ==="
mkdir -p "$BACKUP_DIR"

# password comes from ~/.pgpass
pg_dump -Fc -h localhost -U careassist careassist > "$BACKUP_DIR/careassist-$DATE.dump"
echo "database dumped: $(ls -lh "$BACKUP_DIR/careassist-$DATE.dump" | awk '{print $5}')"

tar -czf "$BACKUP_DIR/configs-$DATE.tar.gz" \
    "$HOME/Library/LaunchAgents" \
    "$HOME/.cloudflared/config.yml" \
    "$HOME"/pgdata/*.conf \
    "$HOME/apps/careassist/.env"
echo "configs archived"

rclone copy "$BACKUP_DIR" gdrive:MacMini-Backups --transfers 2 --log-level NOTICE
echo "uploaded to gdrive:MacMini-Backups"

find "$BACKUP_DIR" -name '*.dump' -mtime +7 -delete
find "$BACKUP_DIR" -name 'configs-*.tar.gz' -mtime +7 -delete

echo "=== backup finished $(date '+%Y-%m-%d %H:%M:%S') ==="
