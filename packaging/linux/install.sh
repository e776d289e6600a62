#!/bin/sh
# Install Field Concierge from this unpacked tarball for the current user (or PREFIX):
#   PREFIX/lib/field-concierge/   the app      PREFIX/bin/concierge   the command
#   the .desktop entry, icons and AppStream metainfo under XDG_DATA_HOME (PREFIX/share).
# Usage: ./install.sh [--uninstall]          (PREFIX defaults to ~/.local)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
data=${XDG_DATA_HOME:-$prefix/share}
app=$prefix/lib/field-concierge
metainfo=io.fieldconcierge.FieldConcierge.metainfo.xml
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app" "$prefix/bin/concierge" "$data/applications/field-concierge.desktop" \
        "$data/metainfo/$metainfo" "$data/icons/hicolor/scalable/apps/field-concierge.svg"
    for size in $sizes; do rm -f "$data/icons/hicolor/${size}x${size}/apps/field-concierge.png"; done
    echo "Removed Field Concierge (your data and settings are kept)."
    exit 0
fi

rm -rf "$app"
mkdir -p "$app" "$prefix/bin" "$data/applications" "$data/metainfo" \
    "$data/icons/hicolor/scalable/apps"
cp -R "$here/field-concierge/." "$app/"
ln -sf "$app/concierge" "$prefix/bin/concierge"
contents=$app/_internal
for size in $sizes; do
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$contents/resources/icons/concierge-$size.png" \
        "$data/icons/hicolor/${size}x${size}/apps/field-concierge.png"
done
cp "$contents/resources/icons/concierge.svg" "$data/icons/hicolor/scalable/apps/field-concierge.svg"
cp "$contents/share/metainfo/$metainfo" "$data/metainfo/$metainfo"
sed -e "s|@EXEC@|$app/field-concierge|" -e "s|@ICON@|field-concierge|" \
    "$contents/resources/concierge.desktop.in" > "$data/applications/field-concierge.desktop"
echo "Installed Field Concierge in $app; the command is $prefix/bin/concierge."
