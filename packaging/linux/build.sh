#!/usr/bin/env bash
# Build the Linux bundle from the lock (requirements/bundle.lock: the laptop's runtime and
# the build tools, no back office) in .venv-bundle:
#   dist/field-concierge/                                the one-folder app
#   dist/field-concierge-VERSION-linux-x86_64.tar.gz     the app + install.sh
# Reproducible: SOURCE_DATE_EPOCH (default: the last commit's time) and PYTHONHASHSEED=0.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
uv=${UV:-$root/.venv/bin/uv}
venv=$root/.venv-bundle
test -x "$venv/bin/python" || "$uv" venv --quiet --python "${PYTHON:-python3}" "$venv"
"$uv" pip sync --quiet --python "$venv/bin/python" requirements/bundle.lock
"$uv" pip install --quiet --python "$venv/bin/python" --no-deps --reinstall-package field-concierge .

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)} PYTHONHASHSEED=0
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build packaging/field-concierge.spec

version=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("field-concierge"))')
name=field-concierge-$version
stage=build/tarball/$name
rm -rf build/tarball && mkdir -p "$stage"
cp -a dist/field-concierge "$stage/"
cp packaging/linux/install.sh LICENSE "$stage/"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C build/tarball -cf - "$name" | gzip -n > "dist/$name-linux-x86_64.tar.gz"
echo "Built dist/field-concierge and dist/$name-linux-x86_64.tar.gz"
