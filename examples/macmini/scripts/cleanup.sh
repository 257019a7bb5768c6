#!/bin/bash
# cleanup.sh - clear temporary exports and old generated reports.
set -u

echo "$(date '+%Y-%m-%d %H:%M:%S') cleanup start"
find "$HOME/apps/careassist/tmp" -type f -mtime +3 -print -delete 2>/dev/null
find "$HOME/data" -name 'wellsky-export-*.json' -mtime +30 -print -delete
find "$HOME/reports" -name 'daily-*.html' -mtime +60 -print -delete 2>/dev/null
echo "$(date '+%Y-%m-%d %H:%M:%S') cleanup done"
