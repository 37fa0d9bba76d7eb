# The audit's runner calls this once per test suite, from this folder: `sh run.sh <suite id>`.
# exec: the runner stops the suite's gateway by signalling this very process.
exec node --import tsx ./run.ts "$1"
