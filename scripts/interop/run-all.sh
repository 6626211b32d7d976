#!/usr/bin/env bash
# run-all.sh — the interoperability suite (`npm run test:interop`, also run by .ci/run after `npm test`).
#
#   scripts/interop/run-all.sh [--keep]
#
# 1. installs the real OpenClaw 2026.9.6 with ../shared/tools/openclaw-reference.sh (cached in
#    $OPENCLAW_REF_DIR, default ~/.cache/openclaw-reference; ~840 MB the first time). If it cannot be installed
#    or run, the suite FAILS (exit 1) - it never skips.
# 2. builds openclaw-lite once (npm run build), then runs, one after the other (never two real gateways at once):
#    - check-node-vs-real-gateway.sh           our node host  -> real gateway, real CLI (+ protocol-3 fallback of our node)
#    - check-real-node-vs-our-gateway.sh       real node host -> our gateway, our CLI   (+ real node on protocol 3)
#    - the same two with --tls                 (certificate pinning) when openclaw-lite has TLS
#                                              (`openclaw gateway fingerprint` exists); otherwise reported as NOT RUN,
#                                              and with INTEROP_REQUIRE_TLS=1 that is a failure
#    - conformance replays (node:test)         every trace in ../shared/spec/traces against our gateway
#                                              (raw-traces.test.js + trace-replay.test.js)
# 3. prints a summary (one line per step, with its time) and exits 1 if any step failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
REF="${OPENCLAW_REF_SCRIPT:-$REPO/../shared/tools/openclaw-reference.sh}"
EXTRA=()
for a in "$@"; do
  case "$a" in
    --keep) EXTRA+=(--keep) ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done
cd "$REPO"
T0=$(date +%s)
SUMMARY=()
FAILED=0
banner() { printf '\n======== %s ========\n' "$*"; }
loud_fail() {
  printf '\n!!!!!!!! INTEROP SUITE FAILED: %s !!!!!!!!\n' "$*" >&2
  exit 1
}

# one suite run at a time on this machine (the real OpenClaw writes fixed /tmp/openclaw* paths)
exec 9> /tmp/openclaw-lite-interop.lock
flock -w 900 9 || loud_fail "another interop run holds /tmp/openclaw-lite-interop.lock"

banner "reference: installing / checking the real OpenClaw ($REF install)"
[ -x "$REF" ] || loud_fail "reference script $REF is missing (the spec pack's ../shared/tools must sit beside the repository)"
t=$(date +%s)
"$REF" install || loud_fail "the real OpenClaw could not be installed with $REF install (see the output above); the interop suite cannot run without it"
REF_VERSION=$("$REF" --version 2>/dev/null | tail -1) || loud_fail "the installed real OpenClaw does not run ($REF --version)"
echo "reference: $REF_VERSION ($(( $(date +%s) - t )) s)"
case "$REF_VERSION" in *2026.9.6*) ;; *) loud_fail "expected OpenClaw 2026.9.6, got: $REF_VERSION" ;; esac
SUMMARY+=("ok    reference install/check: $REF_VERSION ($(( $(date +%s) - t )) s)")

banner "build (npm run build)"
npm run -s build || loud_fail "npm run build"

# step NAME CMD... — runs one check, records ok/FAILED and its duration
step() {
  local name="$1"; shift
  banner "$name"
  local t rc; t=$(date +%s)
  "$@"; rc=$?
  local d=$(( $(date +%s) - t ))
  if [ "$rc" -eq 0 ]; then SUMMARY+=("ok    $name (${d} s)"); else SUMMARY+=("FAILED $name (exit $rc, ${d} s)"); FAILED=1; fi
}

step "our node host -> real gateway (plain; + our node's protocol-3 fallback)" "$HERE/check-node-vs-real-gateway.sh" --no-build "${EXTRA[@]}"
step "real node host -> our gateway (plain; + real node on protocol 3)" "$HERE/check-real-node-vs-our-gateway.sh" --no-build "${EXTRA[@]}"

if "$REPO/bin/openclaw" gateway fingerprint --help > /dev/null 2>&1; then
  step "our node host -> real gateway (TLS, pinned)" "$HERE/check-node-vs-real-gateway.sh" --tls --no-build "${EXTRA[@]}"
  step "real node host -> our gateway (TLS, pinned)" "$HERE/check-real-node-vs-our-gateway.sh" --tls --no-build "${EXTRA[@]}"
else
  msg="TLS variants (--tls): openclaw-lite has no \`openclaw gateway fingerprint\` yet (TLS not implemented)"
  banner "NOT RUN: $msg"
  if [ "${INTEROP_REQUIRE_TLS:-0}" = 1 ]; then SUMMARY+=("FAILED NOT RUN: $msg (INTEROP_REQUIRE_TLS=1)"); FAILED=1
  else SUMMARY+=("NOT RUN $msg"); fi
fi

step "trace replays against our gateway (raw-traces + trace-replay, node:test)" env TEST_ONLY=dist/test/conformance/ node scripts/run-tests.mjs

banner "interop summary ($(( $(date +%s) - T0 )) s)"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" -ne 0 ]; then printf '\nINTEROP SUITE FAILED\n'; exit 1; fi
printf '\ninterop suite passed\n'
