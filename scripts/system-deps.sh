#!/usr/bin/env bash
# Debian packages the test suite needs: a real Secret Service (gnome-keyring in a
# private D-Bus session), Xvfb for on-screen runs, poppler for PDF checks, and
# the shared libraries Qt's xcb/offscreen platforms load, and PostgreSQL's server binaries
# (the tests start a private cluster of their own; the package's own cluster is not used).
set -euo pipefail
packages=(gnome-keyring dbus dbus-x11 xvfb xauth poppler-utils postgresql
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
    libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libnss3 fonts-dejavu-core)
# Devices over MQTT: the tests (and `make run`) start a private mosquitto broker.
packages+=(mosquitto mosquitto-clients)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
