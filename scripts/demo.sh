#!/usr/bin/env bash
# The demo: a fresh sandbox seeded with a demo event, then validate → doctor → plan → apply → drift on schedules/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .demo
rm -f .demo/sandbox.sqlite
port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
provisioner sandbox --port "$port" --data .demo/sandbox.sqlite --seed demo > .demo/sandbox.log 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q "listening" .demo/sandbox.log 2>/dev/null && break
  sleep 0.1
done
grep -q "listening" .demo/sandbox.log || { cat .demo/sandbox.log; echo "sandbox did not start" >&2; exit 1; }

# The sandbox's well-known demo credentials (see provisioner_sandbox/credentials.py); real keys come from your env.
export GUIDEBOOK_API_URL="http://127.0.0.1:$port/open-api/v1/" PCO_API_URL="http://127.0.0.1:$port/"
eval "$(python -c 'from provisioner_sandbox.credentials import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET
print(f"export GUIDEBOOK_API_KEY={GUIDEBOOK_KEY} PCO_APPLICATION_ID={PCO_APP_ID} PCO_SECRET={PCO_SECRET}")')"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
step provisioner validate schedules/
provisioner validate schedules/
step provisioner doctor schedules/
provisioner doctor schedules/
step provisioner plan schedules/ --out .demo/plan.json
provisioner plan schedules/ --out .demo/plan.json
step provisioner apply schedules/ --plan .demo/plan.json --auto-approve
provisioner apply schedules/ --plan .demo/plan.json --auto-approve
step provisioner drift schedules/
provisioner drift schedules/ && echo "In sync: a second plan after apply is empty."
