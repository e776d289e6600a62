#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring,
# a throwaway HOME and offscreen Qt, so tests use a real Secret Service and never
# touch the person's own keyring, settings or data.
set -euo pipefail
if [ -z "${CONCIERGE_IN_TEST_SESSION:-}" ]; then
    scratch=$(mktemp -d -t concierge-test-XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/home" "$scratch/runtime"
    chmod 700 "$scratch/runtime"
    export CONCIERGE_IN_TEST_SESSION=1 HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/runtime"
    export XDG_DATA_HOME="$scratch/home/.local/share" XDG_CONFIG_HOME="$scratch/home/.config"
    export XDG_CACHE_HOME="$scratch/home/.cache" QT_QPA_PLATFORM=offscreen
    unset DISPLAY WAYLAND_DISPLAY
    dbus-run-session -- "$0" "$@"
    exit $?
fi
# Inside the session: start and unlock the keyring (a fresh login keyring with this password).
eval "$(echo -n 'concierge-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
"$@"
