#!/usr/bin/env bash
# make run: on first start create the database with the demo dataset, then start the server.
# Usage: run-server.sh BIN DB ADDR PORT SEED
set -euo pipefail
bin=$1 db=$2 addr=$3 port=$4 seed=$5
if [ ! -f "$db" ]; then
  mkdir -p "$(dirname "$db")"
  partial="$db.partial"
  rm -f "$partial" "$partial-wal" "$partial-shm"
  echo "childsafe: lần chạy đầu tiên — đang tạo $db với dữ liệu mẫu 4 năm (khoảng 20 giây)..."
  echo "childsafe: first start — creating $db with four years of demo data (about 20 s)..."
  "$bin" --log-level warn demo-data --db "$partial" --master-key "$(dirname "$db")/master.key" \
    --seed "$seed" --from 2021-06-01 --to 2025-06-01
  # Move the database with its write-ahead log, if one is left (it travels with the file's name).
  for ext in -wal -shm; do
    if [ -f "$partial$ext" ]; then mv "$partial$ext" "$db$ext"; fi
  done
  mv "$partial" "$db"
  "$bin" --log-level warn stats --db "$db" --from 2021-06-01 --to 2025-06-01 --online --by outcome
fi
# The first administrator: a random temporary password and one-time-code secret, shown once.
if ! "$bin" --log-level warn user list --db "$db" | grep -q .; then
  echo
  echo "childsafe: tạo quản trị viên đầu tiên / creating the first administrator:"
  "$bin" --log-level warn user add --db "$db" --username admin --display-name "Quản trị viên" \
    --role administrator
  echo
fi
exec "$bin" serve --db "$db" --addr "$addr" --port "$port"
