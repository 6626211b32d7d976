#!/usr/bin/env bash
# check-node-vs-real-gateway.sh — interop check: OUR node host (openclaw-lite) against the REAL OpenClaw
# gateway (2026.9.6, via ../shared/tools/openclaw-reference.sh), driven by the REAL operator CLI.
#
#   scripts/interop/check-node-vs-real-gateway.sh [--tls] [--no-build] [--keep]
#
#   --tls        the real gateway runs with gateway.tls {enabled, autoGenerate} (self-signed cert in its state
#                dir); our node connects with `--tls --tls-fingerprint <sha256 of that cert>`, the real CLI through
#                a remote-mode config with gateway.remote.tlsFingerprint (its `--url wss://` has no pin option);
#                our node with a WRONG pin must not get in. (No protocol-3 part: the tap speaks ws:// only.)
#   --no-build   do not run `npm run build` first (test whatever is in dist/)
#   --keep       keep the temp dir (logs, state) after the run; its path is printed either way
#
# Env: PORT (default 18852; the tap uses PORT+1 and PORT+2; loopback only), OPENCLAW_REF_SCRIPT (default ../shared/tools/openclaw-reference.sh beside the repo).
#
# What it does, all on 127.0.0.1 with fresh temp state dirs:
#   1. real gateway (autoApproveLocal:false) + our `openclaw node run` (exec policy security=full)
#   2. real CLI: devices list / devices approve  -> our node must get in WITHOUT a restart
#   3. real CLI: nodes pending / nodes approve / nodes list -> approved + connected
#   4. `gateway call node.invoke`: system.which, system.run echo / non-zero exit / command timeout
#   5. real CLI: approvals get --node / approvals set --node (allowlist) -> allowlist miss and hit,
#      stale baseHash through `gateway call exec.approvals.node.set`
#   6. restart our node host (no new approval), restart the real gateway (node reconnects by itself)
#   7. (plain only) protocol 3: our node restarted behind the spec's tap with /v3once (its first connect is
#      refused like a protocol-3-only gateway would): it must retry with the legacy v3 envelope, get hello-ok
#      (protocol 4) from the real gateway, close 1012 "gateway protocol upgraded" and come back on v4 - the
#      sequence of the reference node in ../shared/spec/traces/node-protocol3-fallback.jsonl.
# Prints one PASS/FAIL line per check; exits 1 if any check failed. Every process it started is stopped
# on exit (also on failure / Ctrl-C): they are found by the OPENCLAW_STATE_DIR in their environment,
# which points into this run's temp dir (the real gateway forks a spawn-broker into its own session, so
# killing the process group alone is not enough).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
interop_init 18852 node-vs-real-gw "$@"

# The real CLI, with its own state/config so it never touches ~/.openclaw. With --tls the URL, token and pin
# come from its config (remote mode), since `--url wss://…` cannot carry a pin.
ref_cli() {
  local conn=(--url "$URL" --token "$TOKEN"); [ "$TLS" = 1 ] && conn=()
  OPENCLAW_STATE_DIR="$CLI_STATE" OPENCLAW_CONFIG_PATH="$WORK/cli.json" OPENCLAW_NO_AUTO_UPDATE=1 \
    "$REF" "$@" "${conn[@]}"
}
# out NAME CMD... -> runs CMD, stdout to $WORK/out/NAME.json (stderr to .err), echoes the command
out() {
  local name="$1"; shift
  mkdir -p "$WORK/out"
  echo "\$ openclaw $* --url $URL --token $TOKEN" > "$WORK/out/$name.cmd"
  ref_cli "$@" > "$WORK/out/$name.json" 2> "$WORK/out/$name.err"
  echo $? > "$WORK/out/$name.rc"
  echo "$WORK/out/$name.json"
}
INV_N=0
# invoke NAME COMMAND PARAMS-JSON -> file with the `gateway call node.invoke --json` answer
invoke() {
  INV_N=$((INV_N + 1))
  out "$1" gateway call node.invoke --json --params \
    "{\"nodeId\":\"$NODE_ID\",\"command\":\"$2\",\"params\":$3,\"idempotencyKey\":\"interop-$$-$INV_N\",\"timeoutMs\":30000}"
}

start_gateway() {
  OPENCLAW_NO_AUTO_UPDATE=1 OPENCLAW_STATE_DIR="$GW_STATE" OPENCLAW_CONFIG_PATH="$WORK/gw.json" \
    setsid "$REF" gateway run --port "$PORT" --bind loopback --allow-unconfigured >> "$WORK/gateway.log" 2>&1 < /dev/null &
}
# start_node LOG [PORT [PIN]]  (PIN only in --tls mode)
start_node() {
  local port="${2:-$PORT}" pin="${3:-$FP}" tls=()
  [ "$TLS" = 1 ] && tls=(--tls --tls-fingerprint "$pin")
  OPENCLAW_STATE_DIR="$NODE_STATE" OPENCLAW_GATEWAY_TOKEN="$TOKEN" \
    setsid "$LITE" node run --host 127.0.0.1 --port "$port" "${tls[@]}" --display-name lite-node > "$1" 2>&1 < /dev/null &
  NODE_PID=$!
}

# ---------------------------------------------------------------------------------------------------
interop_preflight
TLS_CONF=""; [ "$TLS" = 1 ] && TLS_CONF='"tls": { "enabled": true, "autoGenerate": true },'

cat > "$WORK/gw.json" <<EOF
{
  "gateway": { "mode": "local", "bind": "loopback", "port": $PORT,
               "auth": { "mode": "token", "token": "$TOKEN" },
               "tailscale": { "mode": "off" }, $TLS_CONF
               "nodes": { "pairing": { "sshVerify": false, "autoApproveLocal": false } } },
  "update": { "checkOnStart": false },
  "models": { "catalogRefresh": { "enabled": false } },
  "discovery": { "mdns": { "mode": "off" } },
  "agents": { "defaults": { "heartbeat": { "every": "0m" } } },
  "nodeHost": { "autoUpdate": { "enabled": false } }
}
EOF
cat > "$WORK/cli.json" <<EOF
{"gateway":{"mode":"local","port":$PORT,"auth":{"mode":"token","token":"$TOKEN"}},"update":{"checkOnStart":false}}
EOF
echo '{"version":1,"defaults":{"security":"full","ask":"off"}}' > "$NODE_STATE/exec-approvals.json"

# 1. real gateway ------------------------------------------------------------------------------------
log "starting the real gateway on 127.0.0.1:$PORT"
start_gateway
if wait_until 60 port_open "$PORT" && wait_until 30 grep -q '\[gateway\].*ready' "$WORK/gateway.log"; then pass "real gateway listening on $URL"; else abort "real gateway did not start (see $WORK/gateway.log)"; fi
if [ "$TLS" = 1 ]; then
  CERT="$GW_STATE/gateway/tls/gateway-cert.pem"
  FP=$(cert_fingerprint "$CERT") && [ ${#FP} = 64 ] && pass "real gateway generated its TLS certificate, sha256 $FP" || abort "no TLS certificate at $CERT"
  cat > "$WORK/cli.json" <<EOF
{"gateway":{"mode":"remote","remote":{"url":"$URL","token":"$TOKEN","tlsFingerprint":"$FP"}},"update":{"checkOnStart":false}}
EOF
  # our node pinned to another certificate must not get in
  start_node "$WORK/node-badpin.log" "$PORT" "$(printf '%064d' 0)"
  sleep 8
  f=$(out devices-list-badpin devices list --json)
  if ! grep -q 'connected to' "$WORK/node-badpin.log" && jtest "$f" 'j.pending.length === 0 && j.paired.length === 0'; then pass "lite node with a wrong --tls-fingerprint is refused (no connect, no pairing request)"
  else fail "lite node with a wrong --tls-fingerprint got through (see $WORK/node-badpin.log, $f)"; fi
  head -3 "$WORK/node-badpin.log" | sed 's/^/      lite node: /'
  stop_state "$NODE_STATE"
fi

# 2. our node host: refused (PAIRING_REQUIRED), keeps retrying --------------------------------------
log "starting our node host"
NODE_LOG="$WORK/node-1.log"
start_node "$NODE_LOG"
NODE1_PID=$NODE_PID
if wait_until 20 grep -q 'waiting for approval' "$NODE_LOG"; then pass "lite node: first connect refused with pairing required"; else abort "lite node never reported pairing required (see $NODE_LOG)"; fi

# 3. devices list / approve ---------------------------------------------------------------------------
f=$(out devices-list devices list --json)
check "devices list: pending request for lite-node (clientId node-host, mode node, role node)" "$f" \
  'j.pending.some(p => p.displayName === "lite-node" && p.clientId === "node-host" && p.clientMode === "node" && p.role === "node")'
DEV_REQ=$(jget "$f" 'j.pending.find(p => p.displayName === "lite-node").requestId') || abort "no device pairing requestId"
NODE_ID=$(jget "$f" 'j.pending.find(p => p.displayName === "lite-node").deviceId') || abort "no deviceId"
log "device request $DEV_REQ, device id $NODE_ID"
sleep 3   # let the node retry a couple of times: the request must stay the same
f=$(out devices-list-2 devices list --json)
check "devices list: node's retries reuse one pending request" "$f" \
  "j.pending.filter(p => p.deviceId === '$NODE_ID').length === 1 && j.pending[0].requestId === '$DEV_REQ'"
f=$(out devices-approve devices approve "$DEV_REQ" --json)
check "devices approve $DEV_REQ" "$f" "j.requestId === '$DEV_REQ' && j.device && j.device.deviceId === '$NODE_ID' && j.device.role === 'node'"
T_APPROVE=$(date +%s)
if wait_until 20 grep -q 'connected to' "$NODE_LOG"; then
  if kill -0 "$NODE1_PID" 2>/dev/null; then pass "lite node admitted without restart ($(( $(date +%s) - T_APPROVE )) s after devices approve, same pid $NODE1_PID)"
  else fail "lite node connected but its process $NODE1_PID is gone"; fi
else abort "lite node did not connect within 20 s of devices approve (see $NODE_LOG)"; fi

# 4. nodes pending / approve / list -------------------------------------------------------------------
f=$(out nodes-pending nodes pending --json)
check "nodes pending: request for our node with system.run, system.which, system.execApprovals.get/set among our commands" "$f" \
  "j.some(p => p.nodeId === '$NODE_ID' && ['system.run','system.which','system.execApprovals.get','system.execApprovals.set'].every(c => p.commands.includes(c)))"
NODE_REQ=$(jget "$f" "j.find(p => p.nodeId === '$NODE_ID').requestId") || abort "no node pairing requestId"
f=$(out nodes-approve nodes approve "$NODE_REQ" --json)
check "nodes approve $NODE_REQ" "$f" "j.requestId === '$NODE_REQ' && j.node.nodeId === '$NODE_ID' && j.node.commands.includes('system.run')"
wait_until 10 grep -q "approved this node" "$NODE_LOG" >/dev/null
f=$(out nodes-list nodes list --json)
check "nodes list: lite-node approved + connected, commands approved" "$f" \
  "j.pending.length === 0 && j.paired.some(p => p.nodeId === '$NODE_ID' && p.displayName === 'lite-node' && p.approvalState === 'approved' && p.connected === true && p.commands.includes('system.run') && p.commands.includes('system.which'))"

# 5. invokes ------------------------------------------------------------------------------------------
f=$(invoke which system.which '{"bins":["sh","nonexistent-xyz"]}')
check "system.which {sh, nonexistent-xyz}: sh resolved to an absolute path, missing one omitted" "$f" \
  'j.ok === true && typeof j.payload.bins.sh === "string" && j.payload.bins.sh.startsWith("/") && !("nonexistent-xyz" in j.payload.bins) && Object.keys(j.payload.bins).length === 1'
f=$(invoke run-echo system.run '{"command":["echo","hi"],"agentId":"main"}')
check 'system.run ["echo","hi"]: exact reference payload' "$f" \
  'j.ok === true && j.payloadJSON === "{\"exitCode\":0,\"timedOut\":false,\"success\":true,\"stdout\":\"hi\\n\",\"stderr\":\"\",\"error\":null}"'
f=$(invoke run-nonzero system.run '{"command":["sh","-c","echo out; echo err >&2; exit 3"],"agentId":"main"}')
check "system.run exit 3: exact reference payload, still ok:true" "$f" \
  'j.ok === true && j.payloadJSON === "{\"exitCode\":3,\"timedOut\":false,\"success\":false,\"stdout\":\"out\\n\",\"stderr\":\"err\\n\",\"error\":null}"'
T0=$(date +%s%3N)
f=$(invoke run-timeout system.run '{"command":["sleep","5"],"agentId":"main","timeoutMs":1000}')
T1=$(date +%s%3N)
check "system.run sleep 5 with params.timeoutMs 1000: exitCode 124, timedOut (CLI wall $((T1 - T0)) ms)" "$f" \
  'j.ok === true && j.payload.exitCode === 124 && j.payload.timedOut === true && j.payload.success === false'

# 6. approvals get / set ------------------------------------------------------------------------------
f=$(out approvals-get approvals get --node lite-node --json)
check "approvals get --node lite-node: our file, exists, 64-hex hash" "$f" \
  'j.exists === true && /^[0-9a-f]{64}$/.test(j.hash) && j.file.version === 1 && j.file.defaults.security === "full"'
OLD_HASH=$(jget "$f" 'j.hash') || OLD_HASH=""
cat > "$WORK/allowlist.json" <<'EOF'
{"version":1,"defaults":{"security":"allowlist","ask":"off","askFallback":"deny"},"agents":{"main":{"allowlist":[{"pattern":"/usr/bin/echo"}]}}}
EOF
f=$(out approvals-set approvals set --node lite-node --file "$WORK/allowlist.json" --json)
check "approvals set --node lite-node --file allowlist.json: stored, entry got an id, new hash" "$f" \
  "j.exists === true && j.hash !== '$OLD_HASH' && j.file.defaults.security === 'allowlist' && j.file.agents.main.allowlist[0].pattern === '/usr/bin/echo' && typeof j.file.agents.main.allowlist[0].id === 'string'"
check "approvals set: node's exec-approvals.json on disk updated" "$NODE_STATE/exec-approvals.json" \
  'j.defaults.security === "allowlist" && j.agents.main.allowlist[0].pattern === "/usr/bin/echo"'
f=$(invoke run-denied system.run '{"command":["uname","-a"],"agentId":"main"}')
check "system.run uname -a under allowlist: reference 'allowlist miss' error shape" "$f" \
  'j.ok === false && j.error.code === "UNAVAILABLE" && j.error.message === "SYSTEM_RUN_DENIED: SYSTEM_RUN_DENIED: allowlist miss" && j.error.details.nodeError.code === "SYSTEM_RUN_DENIED" && j.error.details.nodeError.message === "SYSTEM_RUN_DENIED: allowlist miss" && j.error.details.nodeCommandDispatched === true'
f=$(invoke run-allowed system.run '{"command":["echo","allowed"],"agentId":"main"}')
check "system.run echo allowed under allowlist: success" "$f" 'j.ok === true && j.payload.exitCode === 0 && j.payload.stdout === "allowed\n"'
f=$(out approvals-stale gateway call exec.approvals.node.set --json --params \
  "{\"nodeId\":\"$NODE_ID\",\"file\":{\"version\":1,\"defaults\":{},\"agents\":{}},\"baseHash\":\"$OLD_HASH\"}")
check "exec.approvals.node.set with a stale baseHash: refused (INVALID_REQUEST ... exec approvals changed)" "$f" \
  'j.ok === false && j.error.details.nodeError.code === "INVALID_REQUEST" && /exec approvals changed; reload and retry/.test(j.error.details.nodeError.message)'

# 7. restart our node host: pairing kept --------------------------------------------------------------
log "restarting our node host"
stop_state "$NODE_STATE"
if kill -0 "$NODE1_PID" 2>/dev/null; then fail "lite node did not stop on SIGTERM"; else pass "lite node stopped on SIGTERM"; fi
NODE_LOG="$WORK/node-2.log"
T0=$(date +%s%3N)
start_node "$NODE_LOG"
if wait_until 20 grep -q 'connected to' "$NODE_LOG"; then pass "restarted lite node reconnected without approval ($(( $(date +%s%3N) - T0 )) ms)"; else fail "restarted lite node did not connect (see $NODE_LOG)"; fi
if grep -q 'waiting for approval' "$NODE_LOG"; then fail "restarted lite node was asked for pairing again"; fi
f=$(out devices-list-3 devices list --json)
check "after node restart: no new device pairing request" "$f" "j.pending.length === 0 && j.paired.some(d => d.deviceId === '$NODE_ID')"
f=$(out nodes-list-2 nodes list --json)
check "after node restart: approved + connected, no pending node request" "$f" \
  "j.pending.length === 0 && j.paired.some(p => p.nodeId === '$NODE_ID' && p.approvalState === 'approved' && p.connected === true)"
f=$(invoke run-after-node-restart system.run '{"command":["echo","after-node-restart"],"agentId":"main"}')
check "after node restart: system.run works" "$f" 'j.ok === true && j.payload.stdout === "after-node-restart\n"'

# 8. restart the real gateway: node reconnects by itself ----------------------------------------------
log "restarting the real gateway"
stop_state "$GW_STATE"
if [ -z "$(state_pids "$GW_STATE")" ] && ! port_open "$PORT"; then pass "real gateway stopped (all its processes gone)"; else fail "real gateway still running"; fi
wait_until 5 grep -q 'gateway closed' "$NODE_LOG" && log "node saw: $(grep 'gateway closed' "$NODE_LOG" | tail -1)"
kill -0 "$NODE_PID" 2>/dev/null && pass "lite node keeps running while the gateway is down" || fail "lite node exited when the gateway went down"
T0=$(date +%s)
start_gateway
wait_until 60 port_open "$PORT" || fail "real gateway did not come back"
if wait_until 90 log_has_at_least "$NODE_LOG" 'connected to' 2; then pass "lite node reconnected to the restarted gateway by itself ($(( $(date +%s) - T0 )) s after gateway spawn)"; else fail "lite node did not reconnect within 90 s (see $NODE_LOG)"; fi
f=$(out nodes-list-3 nodes list --json)
check "after gateway restart: approved + connected" "$f" \
  "j.paired.some(p => p.nodeId === '$NODE_ID' && p.approvalState === 'approved' && p.connected === true)"
f=$(invoke which-after-gw-restart system.which '{"bins":["sh"]}')
check "after gateway restart: system.which works" "$f" 'j.ok === true && typeof j.payload.bins.sh === "string"'

# 9. protocol 3 (plain only): our node forced to fall back, against the real gateway -------------------
if [ "$TLS" = 0 ]; then
  log "protocol 3: restarting our node behind the tap (/v3once)"
  stop_state "$NODE_STATE"
  start_tap "$PORT" "$TAP_PORT" "$TAP_CTL" "$WORK/tap" || abort "tap did not start (see $WORK/tap.log)"
  tap_ctl "$TAP_CTL" "/start?name=lite-node-p3&desc=openclaw-lite%20node%20forced%20to%20protocol%203%20vs%20real%20gateway" && tap_ctl "$TAP_CTL" /v3once || abort "tap control failed"
  NODE_LOG="$WORK/node-3.log"
  start_node "$NODE_LOG" "$TAP_PORT"
  wait_until 30 grep -q 'connected to' "$NODE_LOG"
  sleep 1
  f=$(invoke which-p3 system.which '{"bins":["sh"]}')
  check "lite node after the protocol-3 round trip: system.which works" "$f" 'j.ok === true && typeof j.payload.bins.sh === "string"'
  tap_ctl "$TAP_CTL" /stop
  T="$WORK/tap/lite-node-p3.jsonl"
  check "lite node: first connect {4,4}, refused by the tap (synthetic protocol mismatch, expectedProtocol 3)" "$T" \
    "$P3_PRELUDE return sent.length >= 3 && sent[0].frame.params.minProtocol === 4 && res(sent[0]).frame.error.details.expectedProtocol === 3; })()"
  check "lite node: retries with the legacy envelope (min/max 3, no deviceFamily, signed) and the REAL gateway accepts it (hello-ok, protocol 4)" "$T" \
    "$P3_PRELUDE const c = sent[1]; const r = res(c); return c.frame.params.minProtocol === 3 && c.frame.params.maxProtocol === 3 && !('deviceFamily' in c.frame.params.client) && c.frame.params.device && r && r.frame.ok === true && r.frame.payload.type === 'hello-ok' && r.frame.payload.protocol === 4; })()"
  check "lite node: like the reference, closes the v3 session with 1012 'gateway protocol upgraded' and reconnects with v4 (hello-ok)" "$T" \
    "$P3_PRELUDE return closes.some(c => c.by === 'node' && c.code === 1012 && c.reason === 'gateway protocol upgraded') && sent[2].frame.params.minProtocol === 4 && res(sent[2]).frame.ok === true; })()"
  check "lite node: the retry after the mismatch comes within 2 s (reference: ~270 ms)" "$T" \
    "$P3_PRELUDE return sent[1].t - sent[0].t < 2000; })()"
fi

# ---------------------------------------------------------------------------------------------------
interop_summary
