#!/usr/bin/env bash
# Regenerates docs/images/make-run.png: runs what `make run` runs on a fresh database (in a
# temporary directory), then a statistics request against the running server, and renders the
# terminal transcript with headless Chromium. Secrets printed once (temporary password, one-time
# code secret, recovery codes, tokens) are masked in the picture.
# Needs: a build (make build), Debian's chromium and a monospace font with all of Vietnamese
# (apt-get install chromium fonts-noto-mono; DejaVu Sans Mono lacks some letters such as ề).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/childsafe
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$tmp"' EXIT
db=$tmp/var/childsafe.db
out=$tmp/transcript.txt
{
  echo "\$ make run"
  echo "install-deps: all packages present"
  "$bin" --log-level warn demo-data --db "$db" --seed 111 --from 2021-06-01 --to 2025-06-01
  "$bin" --log-level warn stats --db "$db" --from 2021-06-01 --to 2025-06-01 --online --by outcome
  echo
  echo "childsafe: tạo quản trị viên đầu tiên / creating the first administrator:"
  "$bin" --log-level warn user add --db "$db" --username admin --display-name "Quản trị viên" --role administrator
} > "$out" 2>&1
"$bin" --log-level warn serve --db "$db" --port 18111 > "$tmp/serve.txt" 2>&1 &
echo $! > "$tmp/pid"
sleep 3
head -1 "$tmp/serve.txt" >> "$out"
token=$("$bin" --log-level warn token create --db "$db" --name screenshot --role supervisor)
{
  echo
  echo "\$ curl -H \"Authorization: Bearer \$T\" 'http://127.0.0.1:8111/api/v1/stats?from=2021-06-01&to=2025-06-01&online=true&by=half_year&format=csv'"
  curl -s -H "Authorization: Bearer $token" \
    "http://127.0.0.1:18111/api/v1/stats?from=2021-06-01&to=2025-06-01&online=true&by=half_year&format=csv" | tr -d '\r'
} >> "$out"
sed -i -E "s#$tmp/##g" "$out"
sed -i -E 's/18111/8111/g; s/^(    )[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}$/\1•••••-•••••-•••••-•••••/; s/secret: [A-Z2-7]+/secret: ••••••••••••••••••••••••••••••••/; s/secret=[A-Z2-7]+/secret=••••••••/; s/[a-z0-9]{5}-[a-z0-9]{5}/•••••-•••••/g' "$out"
python3 - "$out" "$tmp/page.html" <<'PY'
import html, sys
text = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(
    "<!doctype html><meta charset=utf-8><style>body{margin:0;background:#1e1e1e}"
    "pre{font:14px/1.35 'Noto Sans Mono','DejaVu Sans Mono',monospace;color:#e6e6e6;padding:18px 22px;margin:0;"
    "white-space:pre-wrap}</style><pre>" + html.escape(text) + "</pre>")
PY
lines=$(wc -l < "$out")
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/chrome" --hide-scrollbars --window-size=1100,$((lines * 19 + 120)) \
  --screenshot=docs/images/make-run.png "file://$tmp/page.html" 2>/dev/null
echo "wrote docs/images/make-run.png ($lines lines)"
