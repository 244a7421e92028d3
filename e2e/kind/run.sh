#!/usr/bin/env bash
# kube-dpi end to end on kind (needs Docker, kind, kubectl, curl and jq; helm comes from the repo's dev
# dependency). What it proves, in order:
#   1. a kind cluster comes up; the agent image and the custom-rules image are built and loaded;
#   2. the chart installs (CRD from crds/, DaemonSet with the Calico custom-rules init container) next to a
#      single-node Elasticsearch, and the agent is ready on every node (control plane included);
#   3. the Calico seed examples apply unchanged (sample-dpi-nginx: k8s-app == "nginx", sample-dpi-all: all());
#   4. status.nodes reports active.success=true on the nginx pod's node;
#   5. curl for /etc/passwd against nginx raises community rule 1:1122, and the alert is in Elasticsearch,
#      enriched with the nginx pod;
#   6. after `kubectl delete` of both resources Snort stops, and new attacks raise no new alerts.
#
#   e2e/kind/run.sh                 full run, cluster deleted at the end
#   KEEP_CLUSTER=1 e2e/kind/run.sh  leave the cluster up for poking around (kind delete cluster --name kube-dpi-e2e)
#   SKIP_BUILD=1 e2e/kind/run.sh    reuse kube-dpi:e2e and kube-dpi-rules:e2e already in Docker
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/e2e/kind"
CLUSTER="${CLUSTER:-kube-dpi-e2e}"
IMAGE="${IMAGE:-kube-dpi:e2e}"
RULES_IMAGE="${RULES_IMAGE:-kube-dpi-rules:e2e}"
NS=kube-dpi
RELEASE=kube-dpi
CTX="kind-$CLUSTER"
TIMEOUT="${TIMEOUT:-300}"

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n\033[31mFAIL: %s\033[0m\n' "$*" >&2; diagnostics; exit 1; }
k() { kubectl --context "$CTX" "$@"; }

diagnostics() {
  set +e
  echo "---- diagnostics ----" >&2
  k get pods -A -o wide >&2
  k get deeppacketinspection -A -o yaml >&2
  k -n "$NS" logs "daemonset/$RELEASE" -c agent --tail=200 >&2
  k -n "$NS" logs "daemonset/$RELEASE" -c snort-rules >&2
  set -e
}

cleanup() {
  if [ "${KEEP_CLUSTER:-0}" != 1 ]; then kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; fi
}

# until <seconds> <description> <command...>: retry a command once a second.
until_ok() {
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for: $what"
    sleep 1
  done
}

for tool in docker kind kubectl curl jq node; do
  command -v "$tool" >/dev/null || { echo "e2e/kind needs $tool on PATH" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "e2e/kind needs a running Docker daemon" >&2; exit 2; }
HELM="$(node "$ROOT/charts/tools/chart-check.js" --helm-path)"
export HELM_CACHE_HOME="$ROOT/.tools/helm-home/cache" HELM_CONFIG_HOME="$ROOT/.tools/helm-home/config" HELM_DATA_HOME="$ROOT/.tools/helm-home/data"

trap cleanup EXIT

log "1. cluster $CLUSTER and images"
if ! kind get clusters | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --config "$HERE/kind-config.yaml" --wait 120s
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  docker build -t "$IMAGE" "$ROOT"
  docker build -t "$RULES_IMAGE" "$ROOT/rules-image"
fi
kind load docker-image --name "$CLUSTER" "$IMAGE" "$RULES_IMAGE"

log "2. Elasticsearch and the chart"
k apply -f "$HERE/manifests/elasticsearch.yaml"
k -n elastic rollout status statefulset/elasticsearch --timeout="${TIMEOUT}s"
# The agent needs host network, host paths and NET_RAW: the namespace must allow privileged pods.
k create namespace "$NS" --dry-run=client -o yaml | k apply -f -
k label namespace "$NS" pod-security.kubernetes.io/enforce=privileged --overwrite
"$HELM" upgrade --install "$RELEASE" "$ROOT/charts/kube-dpi" --kube-context "$CTX" -n "$NS" \
  -f "$HERE/values-e2e.yaml" \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" \
  --set "customRules.initContainers[0].name=snort-rules" \
  --set "customRules.initContainers[0].image=$RULES_IMAGE" \
  --set "customRules.initContainers[0].imagePullPolicy=Never"
k -n "$NS" rollout status "daemonset/$RELEASE" --timeout="${TIMEOUT}s"
nodes="$(k get nodes --no-headers | wc -l)"
ready="$(k -n "$NS" get daemonset "$RELEASE" -o jsonpath='{.status.numberReady}')"
[ "$ready" = "$nodes" ] || fail "agent ready on $ready of $nodes nodes"
k -n "$NS" logs "daemonset/$RELEASE" -c snort-rules | grep -q 'local.rules' || fail "custom rules were not copied"
k -n "$NS" exec "daemonset/$RELEASE" -c agent -- ls /usr/etc/snort/rules/snort3-community.rules >/dev/null \
  || fail "community rules missing next to the custom rules"

log "3. the sample workload and the Calico seed examples"
k apply -f "$HERE/manifests/sample-app.yaml"
k -n sample rollout status deployment/nginx --timeout="${TIMEOUT}s"
k -n sample wait pod/client --for=condition=Ready --timeout="${TIMEOUT}s"
k apply -f "$HERE/manifests/dpi-samples.yaml"
k get deeppacketinspection -A

log "4. inspection is live (status.nodes[].active.success)"
nginx_pod="$(k -n sample get pod -l k8s-app=nginx -o jsonpath='{.items[0].metadata.name}')"
nginx_node="$(k -n sample get pod "$nginx_pod" -o jsonpath='{.spec.nodeName}')"
active_on_nginx_node() {
  k -n sample get deeppacketinspection sample-dpi-nginx -o json \
    | jq -e --arg n "$nginx_node" '.status.nodes[]? | select(.node == $n and .active.success == true)'
}
until_ok "$TIMEOUT" "sample-dpi-nginx active on $nginx_node" active_on_nginx_node
k get deeppacketinspection -A
agent_pod="$(k -n "$NS" get pod -l app.kubernetes.io/instance="$RELEASE" --field-selector spec.nodeName="$nginx_node" -o jsonpath='{.items[0].metadata.name}')"
k -n "$NS" exec "$agent_pod" -c agent -- pgrep -x snort >/dev/null || fail "no snort process on $nginx_node"

log "5. attack: GET /cgi-bin/view?file=/etc/passwd (community rule 1:1122)"
ES_PORT="${ES_PORT:-19200}"
k -n elastic port-forward svc/elasticsearch "$ES_PORT:9200" >/dev/null 2>&1 &
pf=$!
trap 'kill $pf 2>/dev/null || true; cleanup' EXIT
until_ok 30 "port-forward to Elasticsearch" curl -fsS "http://127.0.0.1:$ES_PORT/"
attack() {
  for _ in 1 2 3; do
    k -n sample exec client -- curl -s -o /dev/null "http://nginx.sample.svc/cgi-bin/view?file=/etc/passwd" || true
  done
}
# Any index, either document format: ECS rule.name or Calico description carry Snort's msg.
es_count() {
  curl -fsS "http://127.0.0.1:$ES_PORT/*,-.*/_search?size=0&track_total_hits=true" -H 'content-type: application/json' \
    -d '{"query":{"query_string":{"query":"\"/etc/passwd file access attempt\""}}}' | jq '.hits.total.value'
}
attack
alerts_arrived() {
  curl -fsS "http://127.0.0.1:$ES_PORT/_refresh" >/dev/null
  [ "$(es_count)" -gt 0 ]
}
until_ok 60 "alert 1:1122 in Elasticsearch" alerts_arrived
doc="$(curl -fsS "http://127.0.0.1:$ES_PORT/*,-.*/_search?size=1" -H 'content-type: application/json' \
  -d '{"query":{"query_string":{"query":"\"/etc/passwd file access attempt\""}}}' | jq -c '.hits.hits[0]._source')"
echo "$doc" | jq .
echo "$doc" | grep -q "$nginx_pod" || fail "the alert does not name the inspected pod $nginx_pod"
echo "$doc" | grep -q '1122' || fail "the alert does not carry rule 1122"

log "6. delete the resources: inspection stops"
k delete -f "$HERE/manifests/dpi-samples.yaml"
snort_gone() { ! k -n "$NS" exec "$agent_pod" -c agent -- pgrep -x snort; }
until_ok 60 "snort stopped on $nginx_node" snort_gone
curl -fsS "http://127.0.0.1:$ES_PORT/_refresh" >/dev/null
before="$(es_count)"
attack
sleep 10
curl -fsS "http://127.0.0.1:$ES_PORT/_refresh" >/dev/null
after="$(es_count)"
[ "$after" = "$before" ] || fail "alerts still arriving after the resources were deleted ($before -> $after)"

log "PASS: installed, inspected, alerted into Elasticsearch, stopped"
