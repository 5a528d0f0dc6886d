#!/usr/bin/env bash
# Validates every deployment manifest: deploy/kubernetes/*.yaml against Kubernetes' own
# schemas (kubernetes-validate --strict: unknown fields are errors), deploy/kserve/*.yaml
# against the CRDs KServe publishes (deploy/kserve/crds/, source in crds/SOURCE; strict the
# same way, check_kserve_manifests.py), and then what schemas cannot say: that the manifests
# agree with each other, the Containerfile and the server (check_deploy_properties.py). It
# also proves the validators strict: a copy of each manifest with an unknown field deep inside
# must be refused.
#
#   scripts/deploy/check-manifests.sh
#
# scripts/test.sh (and so CI) runs it. It installs kubernetes-validate, jsonschema and PyYAML
# from PyPI into a virtual environment outside the repository (SLUICE_DEPLOY_VENV, default
# ~/.cache/sluice-deploy-venv) on first use: about 13 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=${SLUICE_DEPLOY_VENV:-$HOME/.cache/sluice-deploy-venv}
REQUIREMENTS="kubernetes-validate==1.37.0 jsonschema==4.26.0 PyYAML==6.0.3"
KUBERNETES_VERSION=1.37.0
if [ "$(cat "$VENV/.sluice-requirements" 2>/dev/null)" != "$REQUIREMENTS" ]; then
    echo "check-manifests: installing $REQUIREMENTS into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $REQUIREMENTS
    echo "$REQUIREMENTS" >"$VENV/.sluice-requirements"
fi

failed=0
kube=(deploy/kubernetes/*.yaml)
kserve=(deploy/kserve/*.yaml)

echo "== Kubernetes kinds: kubernetes-validate --strict, Kubernetes $KUBERNETES_VERSION"
"$VENV/bin/kubernetes-validate" --strict -k "$KUBERNETES_VERSION" "${kube[@]}" || failed=1

echo "== KServe kinds: the published CRDs' schemas, strict"
"$VENV/bin/python" scripts/deploy/check_kserve_manifests.py deploy/kserve/crds "${kserve[@]}" || failed=1

echo "== the validators refuse an unknown field"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Adds a field no schema has to the deepest probe, model, metric, port, container or selector
# of each manifest.
for manifest in "${kube[@]}" "${kserve[@]}"; do
    "$VENV/bin/python" - "$manifest" "$tmp/$(basename "$manifest")" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
KEYS = ("readinessProbe", "model", "metrics", "ports", "containers", "scaleTargetRef", "selector")
def spoil(node):
    if isinstance(node, list):
        return any(spoil(v) for v in node)
    if not isinstance(node, dict):
        return False
    if any(spoil(v) for v in node.values()):
        return True
    for key in KEYS:
        if key in node and isinstance(node[key], (dict, list)):
            target = node[key][0] if isinstance(node[key], list) else node[key]
            target["unknownField"] = 1
            return True
    return False
assert spoil(docs[0]["spec"]), sys.argv[1]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
done
for manifest in "${kube[@]}"; do
    spoiled=$tmp/$(basename "$manifest")
    if "$VENV/bin/kubernetes-validate" --strict -k "$KUBERNETES_VERSION" --quiet "$spoiled" >"$tmp/out" 2>&1; then
        echo "FAIL $manifest with an unknown field was accepted"
        failed=1
    else
        echo "ok   $manifest with an unknown field is refused: $(sed -n 's/.*against version [0-9.]*: //p' "$tmp/out" | head -1)"
    fi
done
spoiled=()
for manifest in "${kserve[@]}"; do spoiled+=("$tmp/$(basename "$manifest")"); done
"$VENV/bin/python" scripts/deploy/check_kserve_manifests.py --expect-failure deploy/kserve/crds "${spoiled[@]}" || failed=1

echo "== the manifests agree with each other, the image and the server"
"$VENV/bin/python" scripts/deploy/check_deploy_properties.py || failed=1

[ $failed -eq 0 ] && echo "check-manifests: every manifest validates" || echo "check-manifests: FAILED"
exit $failed
