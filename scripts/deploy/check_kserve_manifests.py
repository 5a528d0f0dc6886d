"""Validates KServe manifests against the CustomResourceDefinitions KServe publishes.

For each manifest document, the CRD of its kind (deploy/kserve/crds/, copied verbatim from
kserve/kserve, see crds/SOURCE) gives the OpenAPI v3 schema of its apiVersion's version. The
check is strict, as `kubectl apply --validate=strict` is: every object schema that lists its
properties and does not say `x-kubernetes-preserve-unknown-fields` rejects any other field
(the API server would otherwise drop such a field without a word). `x-kubernetes-int-or-string`
allows an integer or a string; `metadata.name` must be a DNS-1123 subdomain.

Usage: python check_kserve_manifests.py CRD_DIR MANIFEST... ; exit status 1 on any failure.
With --expect-failure, exit 0 only if every manifest fails (the check's own test).
"""

import copy
import glob
import os
import re
import sys

import jsonschema
import yaml

NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def strict(schema):
    """The schema with unknown properties refused wherever the CRD lists the properties."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("x-kubernetes-int-or-string"):
                node.pop("type", None)
                node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crds(folder):
    """(group/version, kind) → (validator, source file)."""
    crds = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
        with open(path) as f:
            crd = yaml.safe_load(f)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", False):
                continue
            schema = strict(version["schema"]["openAPIV3Schema"])
            validator = jsonschema.Draft4Validator(schema)
            crds[(f"{group}/{version['name']}", kind)] = (validator, os.path.basename(path))
    return crds


def check(path, crds):
    """The failures of one manifest file, as lines."""
    failures = []
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    if not documents:
        failures.append(f"{path}: no document")
    for document in documents:
        key = (document.get("apiVersion"), document.get("kind"))
        name = (document.get("metadata") or {}).get("name", "")
        where = f"{path}: {key[1]}/{name}"
        if key not in crds:
            failures.append(f"{where}: no CRD for {key[0]} {key[1]}")
            continue
        validator, source = crds[key]
        if not NAME.match(name) or len(name) > 253:
            failures.append(f"{where}: metadata.name is not a DNS-1123 subdomain")
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            at = ".".join(str(p) for p in error.absolute_path) or "(root)"
            failures.append(f"{where}: {at}: {error.message}")
        if not failures:
            print(f"ok   {where} validates against {source} ({key[0]})")
    return failures


def main():
    args = sys.argv[1:]
    expect_failure = "--expect-failure" in args
    args = [a for a in args if a != "--expect-failure"]
    crds = load_crds(args[0])
    failed = 0
    for path in args[1:]:
        failures = check(path, crds)
        if expect_failure:
            if failures:
                print(f"ok   {path} is refused: {failures[0]}")
            else:
                print(f"FAIL {path} was accepted")
                failed += 1
        else:
            for line in failures:
                print(f"FAIL {line}")
            failed += bool(failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
