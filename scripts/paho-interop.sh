#!/usr/bin/env bash
# Runs Eclipse Paho's MQTT 3.1.1 interoperability client test (interoperability/client_test.py of
# eclipse/paho.mqtt.testing, kept outside this repository) against mosquitto and against the hub, each on a free
# loopback port, and prints one table: test, mosquitto, hub. Exit 0 when the hub passes every test mosquitto passes.
#
#   npm run interop -- /path/to/paho.mqtt.testing/interoperability
#
# The hub runs with uns.enforcement off (the suite's topics are not plant topics) and anonymous local clients as
# admin, no editor. Needs python3 and mosquitto (Debian: apt-get install mosquitto). Logs stay in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=${1:-}
if [ -z "$SUITE" ] || [ ! -f "$SUITE/client_test.py" ]; then
  echo "usage: npm run interop -- <dir with Paho's client_test.py> (the interoperability folder of eclipse/paho.mqtt.testing)" >&2
  exit 2
fi
SUITE=$(cd "$SUITE" && pwd)
command -v mosquitto >/dev/null || { echo "interop: mosquitto is not installed (apt-get install mosquitto)" >&2; exit 2; }
# Each broker gets at most this long; a hanging test is a failure, not a hanging script.
SUITE_TIMEOUT_S=${INTEROP_TIMEOUT_S:-300}

WORK=$(mktemp -d /tmp/isa95-hub-interop.XXXXXX)
chmod 755 "$WORK"
BROKER_PID=
stop_broker () {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  BROKER_PID=
}
trap stop_broker EXIT

free_port () { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port () {
  for _ in $(seq 1 300); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The suite reads its own options with getopt, then calls unittest.main(), which would parse the same argv again
# (and refuses -h/-p). So the suite gets its options in sys.argv, and unittest.main is replaced by a runner that
# loads the suite's Test class with an argv of its own and writes one JSON result per test.
run_suite () { # name port
  (cd "$SUITE" && timeout "$SUITE_TIMEOUT_S" python3 - "$1" "$2" "$WORK/$1.json" >"$WORK/$1.log" 2>&1 <<'PY'
import json, runpy, sys, unittest
name, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, '.')
results = {}

class Recorder(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test); results[test._testMethodName] = 'pass'
    def addFailure(self, test, err):
        super().addFailure(test, err); results[test._testMethodName] = 'FAIL'
    def addError(self, test, err):
        super().addError(test, err); results[test._testMethodName] = 'ERROR'

def run_with_own_argv(*_args, **_kwargs):
    suite_globals = sys._getframe(1).f_globals
    tests = unittest.TestLoader().loadTestsFromTestCase(suite_globals['Test'])
    unittest.TextTestRunner(resultclass=Recorder, verbosity=2, stream=sys.stdout).run(tests)

unittest.main = run_with_own_argv
sys.argv = ['client_test.py', '--hostname=127.0.0.1', '--port=' + port]
try:
    runpy.run_path('client_test.py', run_name='__main__')
finally:
    with open(out, 'w') as f:
        json.dump(results, f)
PY
  ) || echo "interop: the suite against $1 ended with status $? (log: $WORK/$1.log)" >&2
}

npm run build --silent

echo "==> mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}')"
PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto-broker.log" 2>&1 &
BROKER_PID=$!
wait_port "$PORT" || { echo "interop: mosquitto did not listen on $PORT; its log:" >&2; cat "$WORK/mosquitto-broker.log" >&2; exit 1; }
run_suite mosquitto "$PORT"
stop_broker

echo "==> the hub"
PORT=$(free_port)
mkdir -p "$WORK/hub-data"
printf 'dataDir: %s\nuns: { enforcement: "off" }\nmqtt: { host: 127.0.0.1, port: %s, anonymous: { local: admin }, ws: { enabled: false } }\neditor: { enabled: false }\n' \
  "$WORK/hub-data" "$PORT" >"$WORK/hub.yaml"
node dist/hub/cli.js --config "$WORK/hub.yaml" >"$WORK/hub-broker.log" 2>&1 &
BROKER_PID=$!
wait_port "$PORT" || { echo "interop: the hub did not listen on $PORT; its log:" >&2; cat "$WORK/hub-broker.log" >&2; exit 1; }
run_suite hub "$PORT"
stop_broker

status=0
python3 - "$WORK/mosquitto.json" "$WORK/hub.json" <<'PY' || status=$?
import json, sys
def load(p):
    try:
        with open(p) as f: return json.load(f)
    except (OSError, ValueError): return {}
m, h = load(sys.argv[1]), load(sys.argv[2])
names = sorted(set(m) | set(h))
w = max([len(n) for n in names] + [4])
print()
print(f"{'test':<{w}}  mosquitto  hub")
for n in names:
    print(f"{n:<{w}}  {m.get(n, '-'):<9}  {h.get(n, '-')}")
passed = lambda r: sum(1 for v in r.values() if v == 'pass')
print(f"{'passed':<{w}}  {passed(m)}/{len(m):<7}  {passed(h)}/{len(h)}")
behind = [n for n in names if m.get(n) == 'pass' and h.get(n) != 'pass']
if behind:
    print(f"\nthe hub fails what mosquitto passes: {', '.join(behind)}")
sys.exit(1 if behind or not h else 0)
PY
echo "logs: $WORK (<broker>.log: the suite's output; <broker>-broker.log: the broker's)"
exit $status
