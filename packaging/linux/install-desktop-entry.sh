#!/usr/bin/env bash
# Install the .desktop entry and icons for the current user from resources/.
# Usage: packaging/linux/install-desktop-entry.sh [/path/to/concierge]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec_path=${1:-$root/.venv/bin/concierge}
data=${XDG_DATA_HOME:-$HOME/.local/share}
for size in 16 24 32 48 64 128 256 512; do
    dir="$data/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    cp "$root/resources/icons/concierge-$size.png" "$dir/field-concierge.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps" "$data/applications"
cp "$root/resources/icons/concierge.svg" "$data/icons/hicolor/scalable/apps/field-concierge.svg"
sed -e "s|@EXEC@|$exec_path|" -e "s|@ICON@|field-concierge|" \
    "$root/resources/concierge.desktop.in" > "$data/applications/field-concierge.desktop"
echo "Installed $data/applications/field-concierge.desktop"
