#!/bin/sh
# npm run conformance: The Guild's federation-gateway-audit (vendored in audit/) against govshare in
# conformance mode. Fetches nothing but packages from the npm registry: the audit's dependencies
# (package-lock.json here) and, when the machine's Node is older than 22 (the audit's CLI needs 22),
# the `node` package. Prints passed/199; exits 1 below CONFORMANCE_MIN (default 193, the figure measured; README "Conformance").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

NODE_PACKAGE=node@22.23.3
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  if [ ! -x .tools/node_modules/.bin/node ]; then
    echo "[conformance] Node $(node --version) is older than 22: installing $NODE_PACKAGE from the npm registry into .tools/"
    mkdir -p .tools
    npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "$NODE_PACKAGE"
  fi
  PATH="$here/.tools/node_modules/.bin:$PATH"
  export PATH
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

AUDIT_PORT=${CONFORMANCE_AUDIT_PORT:-4280}
GATEWAY_PORT=$(node -p "require('./gateway.json').graphql.match(/:(\d+)\//)[1]")
# The audit's runner kills whatever listens on the gateway's port before each suite: refuse to start
# rather than end someone else's process.
for port in "$AUDIT_PORT" "$GATEWAY_PORT" "$((GATEWAY_PORT + 1))"; do
  if node -e "require('net').connect($port, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"; then
    echo "[conformance] port $port is in use: stop what listens there (or set CONFORMANCE_AUDIT_PORT)" >&2
    exit 2
  fi
done

export CONFORMANCE_AUDIT_PORT="$AUDIT_PORT" CONFORMANCE_GATEWAY_PORT="$GATEWAY_PORT"
# The first suite's gateway also creates the records database: more than the runner's 5 s default.
export GATEWAY_TIMEOUT="${GATEWAY_TIMEOUT:-60000}"
rm -f results.txt
mkdir -p logs
# The runner's stderr is mostly kill-port-process' `kill` usage text (it runs `kill` with no process when the
# port is free): kept in logs/runner.stderr.log. Each suite's gateway and test logs are in logs/ too.
node --import tsx audit/src/cli.ts test --cwd "$here" --run-script ./run.sh --port "$AUDIT_PORT" \
  --graphql "http://127.0.0.1:$GATEWAY_PORT/graphql" --healthcheck "http://127.0.0.1:$GATEWAY_PORT/readyz" --reporter dot \
  2> logs/runner.stderr.log

passed=$(sed -n 's/^Passed: //p' results.txt)
total=$(sed -n 's/^Total: //p' results.txt)
echo
echo "$passed/199"
[ "$total" = 199 ] || echo "[conformance] the audit ran $total tests, not 199: see logs/" >&2
[ "$passed" -ge "${CONFORMANCE_MIN:-193}" ]
