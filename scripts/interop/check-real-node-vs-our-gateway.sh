#!/usr/bin/env bash
# check-real-node-vs-our-gateway.sh — interop check: the REAL OpenClaw node host (2026.9.6, via
# ../shared/tools/openclaw-reference.sh) against OUR gateway (openclaw-lite), driven by OUR operator CLI.
#
#   scripts/interop/check-real-node-vs-our-gateway.sh [--tls] [--no-build] [--keep]
#
#   --tls        our gateway runs with `gateway run --tls` (self-signed cert); the real node connects with
#                `--tls --tls-fingerprint <our fingerprint>`, our CLI with `--url wss://… --tls-fingerprint`;
#                a real node with a WRONG pin must not get in. (No protocol-3 part: the tap speaks ws:// only.)
#   --no-build   do not run `npm run build` first (test whatever is in dist/)
#   --keep       keep the temp dir (logs, state, tap trace) after the run; its path is printed either way
#
# Env: PORT (default 18856; the tap uses PORT+1 and PORT+2; loopback only), OPENCLAW_REF_SCRIPT.
#
# What it does, all on 127.0.0.1 with fresh temp state dirs (gateway, real node, real CLI each their own):
#   1. our gateway (token auth, autoApproveLocal off) + the real `openclaw node run`
#   2. our CLI: nodes pending -> the real node's request (device + commands); nodes approve; the real node
#      is restarted (the reference node pauses after PAIRING_REQUIRED and waits for a restart, as it does
#      against the real gateway) -> connected + approved, nothing pending
#   3. our CLI: nodes invoke system.which / system.run; nodes run echo, non-zero exit, --command-timeout
#   4. our CLI: approvals get --node / approvals set --node (allowlist) -> allowlist miss and hit
#      (plain only: stale baseHash through the real CLI's `gateway call exec.approvals.node.set`)
#   5. real node restarted -> no new pairing; our gateway restarted -> the real node reconnects by itself
#   6. (plain only) protocol 3: the real node is restarted behind the spec's tap with /v3once, so its first
#      connect is refused like a protocol-3-only gateway would; its legacy v3 connect must be accepted by our
#      gateway (hello-ok, protocol 4), after which the real node upgrades back to v4 by itself and works.
# Prints one PASS/FAIL line per check; exits 1 if any check failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
interop_init 18856 real-node-vs-our-gw "$@"

# Our CLI (own state dir), against our gateway.
lite_cli() {
  local extra=(--url "$URL" --token "$TOKEN")
  [ -n "$FP" ] && extra+=(--tls-fingerprint "$FP")
  # connection flags go before a `--` (after it everything is the remote command's argv)
  local args=() a seen=0
  for a in "$@"; do
    if [ "$a" = "--" ] && [ "$seen" = 0 ]; then args+=("${extra[@]}"); seen=1; fi
    args+=("$a")
  done
  [ "$seen" = 0 ] && args+=("${extra[@]}")
  OPENCLAW_STATE_DIR="$CLI_STATE" "$LITE" "${args[@]}"
}
# out NAME CMD... -> runs our CLI, stdout to $WORK/out/NAME.json (stderr .err, exit code .rc); echoes the file
out() {
  local name="$1"; shift
  mkdir -p "$WORK/out"
  echo "\$ openclaw $*" > "$WORK/out/$name.cmd"
  lite_cli "$@" > "$WORK/out/$name.json" 2> "$WORK/out/$name.err"
  echo $? > "$WORK/out/$name.rc"
  echo "$WORK/out/$name.json"
}
rc_of() { cat "$WORK/out/$1.rc"; }
# The real CLI (own state dir + config), plain mode only.
ref_out() {
  local name="$1"; shift
  mkdir -p "$WORK/out"
  OPENCLAW_STATE_DIR="$CLI_STATE" OPENCLAW_CONFIG_PATH="$WORK/cli.json" OPENCLAW_NO_AUTO_UPDATE=1 \
    "$REF" "$@" --url "$URL" --token "$TOKEN" > "$WORK/out/$name.json" 2> "$WORK/out/$name.err"
  echo $? > "$WORK/out/$name.rc"
  echo "$WORK/out/$name.json"
}

start_gateway() {
  local tls=(); [ "$TLS" = 1 ] && tls=(--tls)
  OPENCLAW_STATE_DIR="$GW_STATE" OPENCLAW_CONFIG_PATH="$WORK/gw.json" \
    setsid "$LITE" gateway run --port "$PORT" --bind loopback --token "$TOKEN" "${tls[@]}" >> "$WORK/gateway.log" 2>&1 < /dev/null &
}
# start_node LOG [PORT [PIN]] — the real node host (launcher + child); PIN only in --tls mode
start_node() {
  local port="${2:-$PORT}" pin="${3:-$FP}" tls=()
  [ "$TLS" = 1 ] && tls=(--tls --tls-fingerprint "$pin")
  OPENCLAW_NO_AUTO_UPDATE=1 OPENCLAW_STATE_DIR="$NODE_STATE" OPENCLAW_CONFIG_PATH="$WORK/node.json" OPENCLAW_GATEWAY_TOKEN="$TOKEN" \
    setsid "$REF" node run --host 127.0.0.1 --port "$port" "${tls[@]}" --display-name refnode > "$1" 2>&1 < /dev/null &
  NODE_PID=$!
}
NODE_UP='node host gateway connected'

# ---------------------------------------------------------------------------------------------------
interop_preflight
echo '{"gateway":{"nodes":{"pairing":{"autoApproveLocal":false}}}}' > "$WORK/gw.json"
echo '{"update":{"checkOnStart":false},"nodeHost":{"autoUpdate":{"enabled":false}}}' > "$WORK/node.json"
echo '{"update":{"checkOnStart":false}}' > "$WORK/cli.json"

# 1. our gateway -------------------------------------------------------------------------------------
log "starting our gateway on $URL"
start_gateway
if wait_until 20 grep -q 'listening on' "$WORK/gateway.log"; then pass "our gateway listening on $URL"; else abort "our gateway did not start (see $WORK/gateway.log)"; fi
if [ "$TLS" = 1 ]; then
  OPENCLAW_STATE_DIR="$GW_STATE" OPENCLAW_CONFIG_PATH="$WORK/gw.json" "$LITE" gateway fingerprint --json > "$WORK/fingerprint.json" 2>&1
  FP=$(grep -oiE '[0-9a-f]{2}(:[0-9a-f]{2}){31}|[0-9a-f]{64}' "$WORK/fingerprint.json" | head -1 | tr -d ':' | tr 'A-F' 'a-f')
  [ ${#FP} = 64 ] && pass "openclaw gateway fingerprint --json: sha256 $FP" || abort "no sha256 in \`openclaw gateway fingerprint --json\` (see $WORK/fingerprint.json)"
  # a real node pinned to another certificate must not get in
  BAD_FP=$(printf '%064d' 0)
  start_node "$WORK/node-badpin.log" "$PORT" "$BAD_FP"
  sleep 12
  f=$(out pending-badpin nodes pending --json)
  if ! grep -q "$NODE_UP" "$WORK/node-badpin.log" && jtest "$f" 'j.pending.length === 0'; then pass "real node with a wrong --tls-fingerprint is refused (no connect, no pairing request)"
  else fail "real node with a wrong --tls-fingerprint got through (see $WORK/node-badpin.log, $f)"; fi
  grep -iE 'fingerprint|tls|certificate' "$WORK/node-badpin.log" | head -3 | sed 's/^/      real node: /'
  stop_state "$NODE_STATE"
fi

# 2. the real node host: refused (pairing required) -> our nodes pending / approve ---------------------
log "starting the real node host"
start_node "$WORK/node-1.log"
if wait_until 30 grep -q 'pairing required' "$WORK/node-1.log"; then pass "real node: first connect refused with pairing required"; else abort "real node never reported pairing required (see $WORK/node-1.log)"; fi
f=$(out pending nodes pending --json)
check "nodes pending: the real node's request (clientId node-host, mode node, version 2026.9.6, system.run/which/execApprovals.get/set)" "$f" \
  'j.pending.length === 1 && j.pending.some(p => p.displayName === "refnode" && p.clientId === "node-host" && p.clientMode === "node" && p.version === "2026.9.6" && /^[0-9a-f]{64}$/.test(p.nodeId) && ["system.run","system.which","system.execApprovals.get","system.execApprovals.set"].every(c => p.commands.includes(c)))'
REQ=$(jget "$f" 'j.pending[0].requestId') || abort "no pairing requestId"
NODE_ID=$(jget "$f" 'j.pending[0].nodeId') || abort "no nodeId"
f=$(out devices-list devices list --json)
check "devices list: pending device of role node with the same id" "$f" "j.pending.some(d => d.deviceId === '$NODE_ID' && d.role === 'node' && d.clientId === 'node-host')"
f=$(out approve nodes approve "$REQ" --json)
check "nodes approve $REQ" "$f" "j.requestId === '$REQ' && j.node.nodeId === '$NODE_ID' && j.node.commands.includes('system.run')"
log "restarting the real node host (the reference node waits for a restart after PAIRING_REQUIRED)"
stop_state "$NODE_STATE"
start_node "$WORK/node-2.log"
T0=$(date +%s)
if wait_until 30 grep -q "$NODE_UP" "$WORK/node-2.log"; then pass "real node connected after approval ($(( $(date +%s) - T0 )) s after spawn)"; else abort "real node did not connect after approval (see $WORK/node-2.log)"; fi
sleep 1
f=$(out list nodes list --json)
check "nodes list: refnode approved + connected, system.run among its commands" "$f" \
  "j.nodes.some(n => n.nodeId === '$NODE_ID' && n.displayName === 'refnode' && n.approvalState === 'approved' && n.connected === true && n.commands.includes('system.run'))"
f=$(out pending-2 nodes pending --json)
check "nodes pending: empty after approval" "$f" 'j.pending.length === 0'
if grep -qiE 'awaiting operator approval|PAIRING_REQUIRED|NOT_PAIRED' "$WORK/node-2.log"; then fail "real node still reports missing approval (see $WORK/node-2.log)"; else pass "real node log: no approval/pairing errors after approval"; fi

# 3. invokes -----------------------------------------------------------------------------------------
f=$(out which nodes invoke --node refnode --command system.which --params '{"bins":["sh","nonexistent-xyz"]}' --json)
check "nodes invoke system.which {sh, nonexistent-xyz}: sh absolute, missing one omitted" "$f" \
  'j.ok === true && typeof j.payload.bins.sh === "string" && j.payload.bins.sh.startsWith("/") && Object.keys(j.payload.bins).length === 1'
f=$(out inv-run nodes invoke --node refnode --command system.run --params '{"command":["echo","hi"],"agentId":"main"}' --json)
check 'nodes invoke system.run ["echo","hi"]: exact reference payloadJSON' "$f" \
  'j.ok === true && j.payloadJSON === "{\"exitCode\":0,\"timedOut\":false,\"success\":true,\"stdout\":\"hi\\n\",\"stderr\":\"\",\"error\":null}"'
f=$(out run-echo nodes run --node refnode --json -- echo hi)
check "nodes run -- echo hi: success, exit code 0" "$f" "j.exitCode === 0 && j.success === true && j.stdout === 'hi\n' && $(rc_of run-echo) === 0"
f=$(out run-nonzero nodes run --node refnode --json -- sh -c 'echo out; echo err >&2; exit 3')
check "nodes run exit 3: exitCode 3, stdout+stderr, CLI exits 3" "$f" "j.exitCode === 3 && j.success === false && j.stdout === 'out\n' && j.stderr === 'err\n' && $(rc_of run-nonzero) === 3"
T0=$(date +%s%3N)
f=$(out run-timeout nodes run --node refnode --command-timeout 1000 --json -- sleep 5)
T1=$(date +%s%3N)
check "nodes run --command-timeout 1000 -- sleep 5: exitCode 124, timedOut (CLI wall $((T1 - T0)) ms)" "$f" "j.exitCode === 124 && j.timedOut === true && j.success === false && $((T1 - T0)) < 4500"

# 4. exec approvals get / set --------------------------------------------------------------------------
f=$(out approvals-get approvals get --node refnode --json)
check "approvals get --node refnode: the real node's file (sqlite-backed path), 64-hex hash" "$f" \
  'j.exists === true && /^[0-9a-f]{64}$/.test(j.hash) && j.file.version === 1 && /openclaw\.sqlite/.test(j.path)'
check "approvals get --node refnode: says the explanation may not hold for a real OpenClaw node" "$f" \
  '/not openclaw-lite/.test(j.caveat)'
OLD_HASH=$(jget "$f" 'j.hash') || OLD_HASH=""
cat > "$WORK/allowlist.json" <<'JSON'
{"version":1,"defaults":{"security":"allowlist","ask":"off","askFallback":"deny"},"agents":{"main":{"allowlist":[{"pattern":"/usr/bin/echo"}]}}}
JSON
f=$(out approvals-set approvals set --node refnode --file "$WORK/allowlist.json" --json)
check "approvals set --node refnode --file allowlist.json: stored by the real node (entry got an id), new hash" "$f" \
  "j.hash !== '$OLD_HASH' && /^[0-9a-f]{64}$/.test(j.hash) && j.file.defaults.security === 'allowlist' && j.file.agents.main.allowlist[0].pattern === '/usr/bin/echo' && typeof j.file.agents.main.allowlist[0].id === 'string'"
f=$(out approvals-get-2 approvals get --node refnode --json)
check "approvals get after set: same new contents" "$f" "j.file.defaults.security === 'allowlist' && j.file.agents.main.allowlist.length === 1"
f=$(out run-denied nodes run --node refnode --no-ask --json -- uname -a)
check "nodes run uname under the allowlist: refused by the real node (SYSTEM_RUN_DENIED: allowlist miss), CLI exit non-zero" "$f" \
  "j.ok === false && /SYSTEM_RUN_DENIED: allowlist miss/.test(j.error.message) && $(rc_of run-denied) !== 0"
f=$(out run-allowed nodes run --node refnode --json -- echo allowed)
check "nodes run echo under the allowlist (agent main by default): runs" "$f" "j.exitCode === 0 && j.stdout === 'allowed\n'"
if [ "$TLS" = 0 ]; then
  f=$(ref_out approvals-stale gateway call exec.approvals.node.set --json --params \
    "{\"nodeId\":\"$NODE_ID\",\"file\":{\"version\":1,\"defaults\":{},\"agents\":{}},\"baseHash\":\"$OLD_HASH\"}")
  check "real CLI exec.approvals.node.set with a stale baseHash via our gateway: reference error shape" "$f" \
    'j.ok === false && j.error.code === "UNAVAILABLE" && j.error.details.nodeError.code === "INVALID_REQUEST" && /exec approvals changed; reload and retry/.test(j.error.details.nodeError.message) && j.error.details.nodeCommandDispatched === true'
fi

# 5. restarts ----------------------------------------------------------------------------------------
log "restarting the real node host"
stop_state "$NODE_STATE"
f=$(out list-down nodes list --json)
check "real node stopped: our gateway shows it paired but not connected" "$f" "j.nodes.some(n => n.nodeId === '$NODE_ID' && n.connected === false)"
start_node "$WORK/node-3.log"
T0=$(date +%s)
if wait_until 30 grep -q "$NODE_UP" "$WORK/node-3.log"; then pass "restarted real node reconnected without approval ($(( $(date +%s) - T0 )) s)"; else fail "restarted real node did not connect (see $WORK/node-3.log)"; fi
sleep 1
f=$(out pending-3 nodes pending --json)
check "after real node restart: nothing pending" "$f" 'j.pending.length === 0'
f=$(out run-after-node-restart nodes run --node refnode --json -- echo after-node-restart)
check "after real node restart: nodes run works" "$f" "j.exitCode === 0 && j.stdout === 'after-node-restart\n'"

log "restarting our gateway"
stop_state "$GW_STATE"
if ! port_open "$PORT"; then pass "our gateway stopped"; else fail "our gateway still listening"; fi
sleep 2
NODE_PIDS_BEFORE="$(state_pids "$NODE_STATE" | sort | tr '\n' ' ')"
[ -n "$NODE_PIDS_BEFORE" ] && pass "real node keeps running while our gateway is down" || fail "real node exited when our gateway went down"
T0=$(date +%s%3N)
start_gateway
wait_until 20 port_open "$PORT" || fail "our gateway did not come back"
if wait_until 60 log_has_at_least "$WORK/node-3.log" "$NODE_UP" 2; then pass "real node reconnected to our restarted gateway by itself ($(( $(date +%s%3N) - T0 )) ms after gateway spawn)"; else fail "real node did not reconnect within 60 s (see $WORK/node-3.log)"; fi
sleep 1
f=$(out list-after-gw nodes list --json)
check "after gateway restart: approved + connected" "$f" "j.nodes.some(n => n.nodeId === '$NODE_ID' && n.approvalState === 'approved' && n.connected === true)"
f=$(out which-after-gw nodes invoke --node refnode --command system.which --params '{"bins":["sh"]}' --json)
check "after gateway restart: system.which works" "$f" 'j.ok === true && typeof j.payload.bins.sh === "string"'

# 6. protocol 3 (plain only) -------------------------------------------------------------------------
if [ "$TLS" = 0 ]; then
  log "protocol 3: restarting the real node behind the tap (/v3once)"
  stop_state "$NODE_STATE"
  start_tap "$PORT" "$TAP_PORT" "$TAP_CTL" "$WORK/tap" || abort "tap did not start (see $WORK/tap.log)"
  tap_ctl "$TAP_CTL" "/start?name=real-node-p3&desc=real%20node%20forced%20to%20protocol%203%20vs%20openclaw-lite%20gateway" && tap_ctl "$TAP_CTL" /v3once || abort "tap control failed"
  start_node "$WORK/node-4.log" "$TAP_PORT"
  wait_until 40 grep -q "$NODE_UP" "$WORK/node-4.log"
  sleep 1
  f=$(out which-p3 nodes invoke --node refnode --command system.which --params '{"bins":["sh"]}' --json)
  check "real node after the protocol-3 round trip: system.which works" "$f" 'j.ok === true && typeof j.payload.bins.sh === "string"'
  tap_ctl "$TAP_CTL" /stop
  T="$WORK/tap/real-node-p3.jsonl"
  check "real node: first connect {4,4} refused by the tap (synthetic protocol mismatch, expectedProtocol 3)" "$T" \
    "$P3_PRELUDE return sent.length >= 3 && sent[0].frame.params.minProtocol === 4 && res(sent[0]).frame.error.details.expectedProtocol === 3; })()"
  check "real node: retries with the legacy envelope (min/max 3, no deviceFamily) and OUR gateway accepts it (hello-ok, protocol 4)" "$T" \
    "$P3_PRELUDE const c = sent[1]; const r = res(c); return c.frame.params.minProtocol === 3 && c.frame.params.maxProtocol === 3 && !('deviceFamily' in c.frame.params.client) && r && r.frame.ok === true && r.frame.payload.type === 'hello-ok' && r.frame.payload.protocol === 4; })()"
  check "real node: closes the v3 session itself with 1012 'gateway protocol upgraded', reconnects with v4, our gateway answers hello-ok" "$T" \
    "$P3_PRELUDE return closes.some(c => c.by === 'node' && c.code === 1012 && c.reason === 'gateway protocol upgraded') && sent[2].frame.params.minProtocol === 4 && res(sent[2]).frame.ok === true; })()"
fi

# ---------------------------------------------------------------------------------------------------
interop_summary
