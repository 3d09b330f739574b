#!/usr/bin/env bash
# The ML lifecycle in order, against the stack's outputs:
#   provision -> prepare -> features -> train -> tune -> register -> deploy -> batch-infer -> evaluate -> loadtest -> monitor
# Local by default (no AWS, no Docker): ./build_ml_environment.sh
# See docs/lifecycle.md for every option, step, output and the workdir layout.
# The step list is the step registry's (STEP_NAMES in scripts/steps/index.ts), read as text so that --help and --list
# work on a fresh clone before `npm ci`; each step runs in its own process (scripts/cli/run-step.ts).
set -euo pipefail

usage() {
  cat <<USAGE
usage: ./build_ml_environment.sh [--target local|aws] [--stack dev|prod] [--workdir DIR]
                                 [--from STEP] [--only STEP] [--force] [--list] [--teardown] [-- STEP-OPTIONS...]
  --target   local (default: everything on this machine) or aws (the stack's AWS account)
  --stack    stack name, reads Pulumi.<stack>.yaml (default: dev)
  --workdir  where results go (default: .ml-env/<stack>)
  --from     start at this step;  --only  run just this step
  --force    re-run steps even when their inputs are unchanged
  --list     print the steps and exit
  --teardown stop the local endpoint started by the deploy step (no process is left) and exit
  options after -- go to every step (e.g. -- --rows 2000 --preview-only); the list: scripts/cli/run-step.ts --help
steps: ${STEPS[*]}
examples:
  ./build_ml_environment.sh                          # the whole lifecycle, locally, for the dev stack (~2 min)
  ./build_ml_environment.sh -- --rows 2000           # a quick slice of the data
  ./build_ml_environment.sh --from train --force     # redo training and everything after it
  ./build_ml_environment.sh --teardown               # stop the local endpoint
  ./build_ml_environment.sh --target aws --stack dev # in your AWS account (docs/aws-target.md)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

require_node() {
  command -v node >/dev/null || { echo "error: node (20.19+ or 22+) is required and was not found on PATH" >&2; exit 2; }
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>=22||(a===20&&b>=19)?0:1)' || { echo "error: node 20.19+ or 22+ is required (package.json engines), found $(node --version)" >&2; exit 2; }
}
# The lifecycle's steps in order: STEP_NAMES of the step registry (scripts/steps/index.ts; test/pipeline/reliability.test.ts
# checks that this list equals it).
STEPS=()
load_steps() {
  [ "${#STEPS[@]}" -gt 0 ] && return 0
  require_node
  local list
  list="$(node -e '
    const src = require("fs").readFileSync("scripts/steps/index.ts", "utf8");
    const m = /export const STEP_NAMES\s*=\s*\[([^\]]*)\]/.exec(src);
    const names = m ? [...m[1].matchAll(/["\x27]([a-z][a-z0-9-]*)["\x27]/g)].map((x) => x[1]) : [];
    if (!names.length) { console.error("error: no STEP_NAMES list in scripts/steps/index.ts"); process.exit(1); }
    console.log(names.join("\n"));
  ')" || exit 2
  mapfile -t STEPS <<<"$list"
}
target=local stack=dev workdir="" from="" only="" force=0 teardown=0
step_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:?--target needs local or aws}"; shift 2 ;;
    --stack) stack="${2:?--stack needs a stack name}"; shift 2 ;;
    --workdir) workdir="${2:?--workdir needs a directory}"; shift 2 ;;
    --from) from="${2:?--from needs a step name}"; shift 2 ;;
    --only) only="${2:?--only needs a step name}"; shift 2 ;;
    --force) force=1; shift ;;
    --list) load_steps; printf '%s\n' "${STEPS[@]}"; exit 0 ;;
    --teardown) teardown=1; shift ;;
    -h|--help) load_steps; usage; exit 0 ;;
    --) shift; step_opts=("$@"); break ;;
    *) echo "error: option '$1' is unknown: valid options are --target, --stack, --workdir, --from, --only, --force, --list, --teardown, --help (step options go after --; see --help)" >&2; exit 2 ;;
  esac
done

case "$target" in local|aws) ;; *) echo "error: --target '$target': expected local or aws" >&2; exit 2 ;; esac
[ -f "Pulumi.${stack}.yaml" ] || { echo "error: --stack '$stack': Pulumi.${stack}.yaml not found (stacks: $(ls Pulumi.*.yaml | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' '))" >&2; exit 2; }
workdir="${workdir:-.ml-env/$stack}"

load_steps
valid_step() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
for s in "$from" "$only"; do
  if [ -n "$s" ] && ! valid_step "$s"; then echo "error: unknown step '$s' (steps: ${STEPS[*]})" >&2; exit 2; fi
done

# Prerequisites: fail at once, one line naming what is missing (node: checked by load_steps above).
if [ "$target" = aws ]; then
  command -v pulumi >/dev/null || { echo "error: --target aws needs the Pulumi CLI (https://www.pulumi.com/docs/install/)" >&2; exit 2; }
  if [ -z "${AWS_ACCESS_KEY_ID:-}" ] && [ -z "${AWS_PROFILE:-}" ] && [ -z "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] && [ ! -f "${HOME}/.aws/credentials" ] && [ ! -f "${HOME}/.aws/config" ]; then
    echo "error: --target aws needs AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws/config)" >&2; exit 2
  fi
fi
# A fresh clone: install the project's dependencies once.
if [ ! -d node_modules/@pulumi/pulumi ] || [ ! -d node_modules/typescript ]; then
  echo "=== installing dependencies (npm ci) ..."
  npm ci --no-audit --no-fund >/dev/null
fi

if [ "$teardown" = 1 ]; then
  if [ "$target" != local ]; then echo "error: --teardown stops the local endpoint; on --target aws delete the endpoint with the stack (pulumi destroy) instead" >&2; exit 2; fi
  exec node scripts/run-ts.cjs scripts/cli/endpoint.ts teardown --stack "$stack" --workdir "$workdir"
fi

run_list=()
if [ -n "$only" ]; then
  run_list=("$only")
else
  started=0; [ -z "$from" ] && started=1
  for s in "${STEPS[@]}"; do
    [ "$s" = "$from" ] && started=1
    [ "$started" = 1 ] && run_list+=("$s")
  done
fi

mkdir -p "$workdir" 2>/dev/null || { echo "error: workdir $workdir cannot be created ($(mkdir -p "$workdir" 2>&1 | sed 's/^mkdir: //')); choose another --workdir" >&2; exit 3; }
echo "ML lifecycle: stack=$stack target=$target workdir=$workdir steps: ${run_list[*]}"
# One run per workdir: each step process takes <workdir>/.lock for this script's pid (stale locks are detected);
# the script removes it when the run ends, however it ends. Ctrl-C / SIGTERM go to the running step, which records
# itself 'interrupted' and stops the processes it started. Exit codes: see docs/reliability.md.
export ML_ENV_RUN_PID=$$
release_lock() { grep -qs "\"pid\": $$," "$workdir/.lock" && rm -f "$workdir/.lock"; return 0; }
trap release_lock EXIT
child="" signal=""
forward() { signal="$1"; [ -n "$child" ] && kill "-$1" "$child" 2>/dev/null; return 0; }
trap 'forward INT' INT
trap 'forward TERM' TERM
t0=$(date +%s)
for s in "${run_list[@]}"; do
  args=(--stack "$stack" --target "$target" --workdir "$workdir")
  [ "$force" = 1 ] && args+=(--force)
  node scripts/run-ts.cjs scripts/cli/run-step.ts "$s" "${args[@]}" ${step_opts[@]+"${step_opts[@]}"} <&0 &
  child=$!
  rc=0
  wait "$child" || rc=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child" || rc=$?; done  # a trapped signal interrupts wait: wait for the step to finish stopping
  child=""
  if [ -n "$signal" ] || [ "$rc" = 130 ] || [ "$rc" = 143 ]; then
    [ "$rc" = 130 ] || [ "$rc" = 143 ] || rc=$([ "$signal" = INT ] && echo 130 || echo 143)
    echo "interrupted at step '$s' (SIG${signal:-$([ "$rc" = 130 ] && echo INT || echo TERM)}); earlier results are kept in $workdir (manifest.json). Resume with: ./build_ml_environment.sh --stack $stack --target $target --workdir $workdir --from $s" >&2
    node scripts/run-ts.cjs scripts/cli/summary.ts --stack "$stack" --target "$target" --workdir "$workdir" --interrupted "$s" --seconds $(( $(date +%s) - t0 )) >&2 </dev/null || true
    exit "$rc"
  fi
  case "$rc" in
    0) ;;
    2) echo "stopped before step '$s': fix the configuration or options named above and re-run." >&2; exit 2 ;;
    3) echo "stopped before step '$s': the workdir cannot be used (see above); nothing was changed." >&2; exit 3 ;;
    *) echo "stopped at step '$s'; earlier results are kept in $workdir (manifest.json). Fix the problem above and re-run: completed steps are skipped." >&2
       node scripts/run-ts.cjs scripts/cli/summary.ts --stack "$stack" --target "$target" --workdir "$workdir" --failed "$s" --seconds $(( $(date +%s) - t0 )) >&2 </dev/null || true
       exit 1 ;;
  esac
done
echo "all steps done in $(( $(date +%s) - t0 )) s; manifest: $workdir/manifest.json"
node scripts/run-ts.cjs scripts/cli/summary.ts --stack "$stack" --target "$target" --workdir "$workdir" --seconds $(( $(date +%s) - t0 )) || echo "(the end-of-run summary could not be printed; the manifest above has every step)" >&2
