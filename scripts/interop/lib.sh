# lib.sh — helpers shared by the scripts/interop/check-*.sh scripts (sourced, not run).
# Sourced by each check script after it sets REPO; `interop_init` then reads the flags, makes WORK and the state dirs and installs the cleanup trap. Provides PASSES/FAILS counters, pass/fail/check,
# jtest/jget (JS expressions over a JSON file), process helpers keyed on OPENCLAW_STATE_DIR, wait_until,
# port_open, and the tap (../shared/spec/traces/tap.mjs) helpers used for the protocol-3 checks.
PASSES=0; FAILS=0

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
pass() { PASSES=$((PASSES + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAILS=$((FAILS + 1)); printf 'FAIL  %s\n' "$*"; }
# check NAME FILE JS-EXPR: evaluates EXPR with `j` = the JSON in FILE; PASS when truthy.
check() {
  local name="$1" file="$2" expr="$3"
  if jtest "$file" "$expr"; then pass "$name"; else fail "$name"; echo "      expected: $expr"; sed 's/^/      got: /' "$file" | head -40; fi
}
# jtest FILE EXPR -> exit 0 when EXPR is truthy for the JSON in FILE (the first JSON value in it).
# A file of JSON lines (a trace) is read as an array of records when it does not parse as one value.
jtest() {
  node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8");
    let j;
    try { j = JSON.parse(text); } catch {
      try { j = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)); } catch {
        const m = text.search(/^[\[{]/m); try { j = JSON.parse(text.slice(m)); } catch { process.exit(3); } } }
    let r; try { r = new Function("j", "return (" + process.argv[2] + ");")(j); } catch (e) { console.error(String(e)); process.exit(4); }
    process.exit(r ? 0 : 1);' "$1" "$2"
}
# jget FILE EXPR -> prints the value of EXPR (strings raw, others as JSON).
jget() {
  node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8");
    let j;
    try { j = JSON.parse(text); } catch { const m = text.search(/^[\[{]/m); try { j = JSON.parse(text.slice(m)); } catch { process.exit(3); } }
    let r; try { r = new Function("j", "return (" + process.argv[2] + ");")(j); } catch { process.exit(4); }
    if (r === undefined || r === null) process.exit(1);
    process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));' "$1" "$2"
}

# PIDs of every process whose environment has OPENCLAW_STATE_DIR=<dir>.
state_pids() {
  local dir="$1" p
  for p in /proc/[0-9]*; do
    { tr '\0' '\n' < "$p/environ" | grep -qxF "OPENCLAW_STATE_DIR=$dir"; } 2>/dev/null && echo "${p#/proc/}"
  done
}
# stop_state DIR: SIGTERM everything started with that state dir, SIGKILL what is left after 10 s.
stop_state() {
  local dir="$1" pids i
  pids="$(state_pids "$dir")"
  [ -z "$pids" ] && return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null
  for i in $(seq 1 100); do
    [ -z "$(state_pids "$dir")" ] && return 0
    sleep 0.1
  done
  pids="$(state_pids "$dir")"
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  sleep 0.2
  return 0
}

port_open() { node -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1");s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1))' "$1"; }
# wait_until SECONDS CMD... -> 0 as soon as CMD succeeds, 1 on timeout
wait_until() {
  local t="$1"; shift
  local end=$(( $(date +%s) + t ))
  while [ "$(date +%s)" -lt "$end" ]; do "$@" && return 0; sleep 0.2; done
  "$@"
}
count_lines() { grep -c -- "$2" "$1" 2>/dev/null || true; }
log_has_at_least() { [ "$(count_lines "$1" "$2")" -ge "$3" ]; }

# SHA-256 fingerprint (64 lower-case hex) of the first certificate in a PEM file.
cert_fingerprint() {
  node -e 'const {X509Certificate}=require("crypto");const c=new X509Certificate(require("fs").readFileSync(process.argv[1]));process.stdout.write(c.fingerprint256.replace(/:/g,"").toLowerCase())' "$1"
}

# ---- tap (logging proxy from the spec pack), used to force the protocol-3 fallback ---------------
# Runs with OPENCLAW_STATE_DIR=$TAP_STATE in its environment so stop_state finds it.
TAP_JS="${TAP_JS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared/spec/traces/tap.mjs}"
# start_tap UPSTREAM-PORT LISTEN-PORT CONTROL-PORT OUT-DIR
start_tap() {
  mkdir -p "$4" "$TAP_STATE"
  OPENCLAW_STATE_DIR="$TAP_STATE" setsid node "$TAP_JS" --upstream "ws://127.0.0.1:$1" --listen "node=$2" --control "$3" --out "$4" \
    > "$WORK/tap.log" 2>&1 < /dev/null &
  wait_until 10 port_open "$3" && wait_until 5 port_open "$2"
}
tap_ctl() { node -e 'require("http").get("http://127.0.0.1:"+process.argv[1]+process.argv[2],r=>{r.resume();r.on("end",()=>process.exit(r.statusCode===200?0:1))}).on("error",()=>process.exit(1))' "$1" "$2"; }

# JS expressions (for check/jtest over a tap trace file) describing the protocol-3 fallback sequence, as in
# ../shared/spec/traces/node-protocol3-fallback.jsonl: recs = trace records without the header.
P3_PRELUDE='(() => { const recs = j.slice(1); const sent = recs.filter(r => r.dir === "node>gw" && r.frame && r.frame.method === "connect"); const res = (c) => recs.find(r => r.dir === "gw>node" && r.frame && r.frame.type === "res" && r.frame.id === c.frame.id); const closes = recs.filter(r => r.dir === "close");'

# ---- the prologue and epilogue both check scripts share --------------------------------------------
# interop_init DEFAULT_PORT NAME "$@": reads --tls / --no-build / --keep / --help, makes the run's temp work
# dir with one state dir per process family, and installs the trap that stops everything started from
# them on exit (found by the OPENCLAW_STATE_DIR in their environment). Needs REPO set.
interop_init() {
  local default_port="$1" name="$2" a
  shift 2
  REF="${OPENCLAW_REF_SCRIPT:-$REPO/../shared/tools/openclaw-reference.sh}"
  LITE="$REPO/bin/openclaw"
  PORT="${PORT:-$default_port}"
  TAP_PORT=$((PORT + 1)); TAP_CTL=$((PORT + 2))
  TOKEN="test-token"
  TLS=0; BUILD=1; KEEP=0
  for a in "$@"; do
    case "$a" in
      --tls) TLS=1 ;;
      --no-build) BUILD=0 ;;
      --keep) KEEP=1 ;;
      -h|--help) sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
      *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
  done
  WORK="$(mktemp -d "/tmp/oc-interop-$name.XXXXXX")"
  GW_STATE="$WORK/gw-state"; NODE_STATE="$WORK/node-state"; CLI_STATE="$WORK/cli-state"; TAP_STATE="$WORK/tap-state"
  mkdir -p "$GW_STATE" "$NODE_STATE" "$CLI_STATE"
  T_START=$(date +%s)
  SCHEME=ws; [ "$TLS" = 1 ] && SCHEME=wss
  URL="$SCHEME://127.0.0.1:$PORT"
  FP=""
  trap interop_cleanup EXIT
  trap 'echo "interrupted" >&2; exit 130' INT TERM
}

interop_cleanup() {
  local rc=$? left
  trap - EXIT INT TERM
  stop_state "$NODE_STATE"; stop_state "$TAP_STATE"; stop_state "$GW_STATE"; stop_state "$CLI_STATE"
  left="$(state_pids "$NODE_STATE"; state_pids "$TAP_STATE"; state_pids "$GW_STATE"; state_pids "$CLI_STATE")"
  [ -n "$left" ] && echo "WARNING: processes still running: $left" >&2
  if [ "$KEEP" = 1 ]; then echo "logs and state kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}

# The closing line: counts and time; exit 1 (keeping the work dir) when any check failed.
interop_summary() {
  echo
  echo "$PASSES passed, $FAILS failed ($(( $(date +%s) - T_START )) s)"
  [ "$FAILS" -eq 0 ] || { KEEP=1; exit 1; }
  exit 0
}

abort() { fail "$*"; log "cannot continue; logs in $WORK (kept)"; KEEP=1; exit 1; }

# Before any check: the reference script exists and runs, openclaw-lite is built (built now unless
# --no-build), and the three ports this run uses are free.
interop_preflight() {
  local p
  [ -x "$REF" ] || { echo "missing $REF" >&2; exit 2; }
  if [ "$BUILD" = 1 ]; then
    log "building openclaw-lite (npm run build)"
    (cd "$REPO" && npm run -s build > "$WORK/build.log" 2>&1) || { cat "$WORK/build.log"; abort "npm run build"; }
  fi
  [ -f "$REPO/dist/src/cli/main.js" ] || abort "no build in $REPO/dist (run npm run build)"
  "$REF" --version > "$WORK/ref-version.txt" 2>&1 || abort "reference openclaw not runnable ($REF --version)"
  log "reference: $(tail -1 "$WORK/ref-version.txt"); lite: $("$LITE" --version 2>/dev/null | tail -1); work dir $WORK; $URL"
  for p in "$PORT" "$TAP_PORT" "$TAP_CTL"; do
    if port_open "$p"; then echo "port $p on 127.0.0.1 is already in use; set PORT=<free port> (PORT..PORT+2 are used)" >&2; exit 2; fi
  done
}
