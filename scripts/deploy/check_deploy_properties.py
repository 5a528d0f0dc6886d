"""Checks that the deployment manifests agree with each other, the image and the server.

Schemas say a manifest is well-formed; this says it is right for Sluice:
- the Deployment: readiness on /health, liveness on a route that stays 200 while loading and
  draining (/v2/health/live), a preStop drain, terminationGracePeriodSeconds longer than the
  preStop sleep plus the request timeout, CPU requests (= limits) equal to --threads, the
  model a hub id with HF_HOME on a volume, the port the probes use, the image's user;
- the Service selects the Deployment's pods and targets its port; the PDB selects them too;
- the HPA scales that Deployment on a metric the server exports (its name is looked up in
  Sources/, where the metrics are declared);
- the ServingRuntime speaks v2, listens where its probes look, requests --threads CPUs and
  serves /mnt/models under the InferenceService's name; the InferenceService names it, one of
  its formats and one of its protocols, with a grace period longer than the request timeout;
- the Containerfile's user, port, volume and HF_HOME are the manifests'.

Needs only PyYAML, and no network, so scripts/test.sh runs it.
Usage: python3 check_deploy_properties.py (from the repository's root)
"""

import glob
import re
import sys

import yaml

failures = []


def check(what, ok):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def one(kind, paths):
    found = [d for p in paths for d in load(p) if d.get("kind") == kind]
    check(f"one {kind}", len(found) == 1)
    return found[0] if found else {}


def flag(args, name):
    """The value after `name` in a container's args (None if absent)."""
    return args[args.index(name) + 1] if name in args else None


def cpus(quantity):
    quantity = str(quantity)
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def prestop_seconds(container):
    hook = container.get("lifecycle", {}).get("preStop", {})
    if "sleep" in hook:
        return int(hook["sleep"]["seconds"])
    command = hook.get("exec", {}).get("command", [])
    return int(command[1]) if len(command) == 2 and command[0] == "sleep" else None


def exported_metrics():
    """Metric names the server declares (label: "sluice_…") in its sources."""
    names = set()
    for path in glob.glob("Sources/**/*.swift", recursive=True):
        names |= set(re.findall(r'"(sluice_[a-z_]+)"', open(path).read()))
    return names


def containerfile():
    text = re.sub(r"\\\n", " ", open("Containerfile").read())
    final = text.split("\nFROM ")[-1]
    user = re.search(r"^USER (\d+)", final, re.M).group(1)
    port = re.search(r"^EXPOSE (\d+)", final, re.M).group(1)
    volume = re.search(r'^VOLUME \["([^"]+)"\]', final, re.M).group(1)
    hf_home = re.search(r"HF_HOME=(\S+)", final).group(1)
    return int(user), int(port), volume, hf_home


def main():
    kube = sorted(glob.glob("deploy/kubernetes/*.yaml"))
    kserve = sorted(glob.glob("deploy/kserve/*.yaml"))
    image_user, image_port, image_volume, image_hf_home = containerfile()
    metrics = exported_metrics()

    deployment = one("Deployment", kube)
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = pod["containers"][0]
    args = container.get("args", [])
    timeout_s = int(flag(args, "--request-timeout-ms") or 30000) / 1000
    threads = flag(args, "--threads")
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    check("Deployment: --port is the container port", int(flag(args, "--port") or 8000) in ports.values())
    check("Deployment: listens on every interface (--host 0.0.0.0)", flag(args, "--host") == "0.0.0.0")
    ready = container.get("readinessProbe", {}).get("httpGet", {})
    check("Deployment: readiness on /health", ready.get("path") == "/health")
    live = container.get("livenessProbe", {}).get("httpGet", {})
    check("Deployment: liveness on /v2/health/live (200 while loading and draining)",
          live.get("path") == "/v2/health/live")
    check("Deployment: probes use the served port",
          all(p.get("port") in ports or p.get("port") in ports.values() for p in (ready, live)))
    sleep = prestop_seconds(container)
    check(f"Deployment: a preStop sleep ({sleep} s) before SIGTERM drains", bool(sleep))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(f"Deployment: terminationGracePeriodSeconds {grace} > preStop {sleep} + request timeout {timeout_s:g}",
          grace > (sleep or 0) + timeout_s)
    resources = container.get("resources", {})
    check(f"Deployment: CPU requests = limits = --threads ({threads})",
          threads is not None
          and cpus(resources.get("requests", {}).get("cpu", 0)) == int(threads)
          and cpus(resources.get("limits", {}).get("cpu", 0)) == int(threads))
    model = flag(args, "--model") or ""
    check(f"Deployment: the model is a hub id ({model})", re.fullmatch(r"[\w.-]+/[\w.-]+(@[\w.-]+)?", model) is not None)
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    hf_home = env.get("HF_HOME", image_hf_home)
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"] for v in pod.get("volumes", [])}
    check(f"Deployment: HF_HOME ({hf_home}) is the image's volume, on a volume",
          hf_home == image_volume and mounts.get(hf_home) in volumes)
    security = pod.get("securityContext", {})
    check("Deployment: runs as the image's user, not root",
          security.get("runAsNonRoot") is True and security.get("runAsUser") == image_user)
    check(f"Deployment: the container port is the image's ({image_port})", image_port in ports.values())

    service = one("Service", kube)
    check("Service: selects the Deployment's pods",
          all(labels.get(k) == v for k, v in service["spec"]["selector"].items()))
    check("Service: targets the served port",
          all(p["targetPort"] in ports or p["targetPort"] in ports.values() for p in service["spec"]["ports"]))
    pdb = one("PodDisruptionBudget", kube)
    check("PodDisruptionBudget: selects the Deployment's pods",
          all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items()))

    hpa = one("HorizontalPodAutoscaler", kube)
    target = hpa["spec"]["scaleTargetRef"]
    check("HPA: scales the Deployment",
          target["kind"] == "Deployment" and target["name"] == deployment["metadata"]["name"])
    names = [m[m["type"].lower()]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] in ("Pods", "Object")]
    check(f"HPA: scales on metrics the server exports ({', '.join(names)})",
          bool(names) and all(n in metrics for n in names))
    check("HPA: never fewer than 2 replicas (one can drain or die)", hpa["spec"].get("minReplicas", 1) >= 2)

    runtime = one("ServingRuntime", kserve)
    isvc = one("InferenceService", kserve)
    rcontainer = runtime["spec"]["containers"][0]
    rargs = rcontainer.get("args", [])
    check("ServingRuntime: speaks v2", "v2" in runtime["spec"].get("protocolVersions", []))
    rport = int(flag(rargs, "--port") or 8000)
    check(f"ServingRuntime: listens on its container port ({rport})",
          rport in [p["containerPort"] for p in rcontainer.get("ports", [])])
    check("ServingRuntime: probes use that port and v2's health routes",
          rcontainer["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": rport}
          and rcontainer["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": rport})
    check("ServingRuntime: serves /mnt/models under the InferenceService's name",
          flag(rargs, "--model") == "/mnt/models" and flag(rargs, "--served-model-name") == "{{.Name}}")
    rthreads = flag(rargs, "--threads")
    rres = rcontainer.get("resources", {})
    check(f"ServingRuntime: CPU requests = limits = --threads ({rthreads})",
          rthreads is not None and cpus(rres["requests"]["cpu"]) == int(rthreads) == cpus(rres["limits"]["cpu"]))
    check("ServingRuntime: runs as the image's user",
          rcontainer.get("securityContext", {}).get("runAsUser") == image_user)
    predictor = isvc["spec"]["predictor"]
    model = predictor["model"]
    check("InferenceService: uses the Sluice runtime", model.get("runtime") == runtime["metadata"]["name"])
    formats = {(f["name"], f.get("version")) for f in runtime["spec"]["supportedModelFormats"]}
    check("InferenceService: its model format is one the runtime supports",
          (model["modelFormat"]["name"], model["modelFormat"].get("version")) in formats)
    check("InferenceService: protocol v2, one the runtime speaks",
          model.get("protocolVersion") == "v2" and model["protocolVersion"] in runtime["spec"]["protocolVersions"])
    rtimeout = int(flag(rargs, "--request-timeout-ms") or 30000) / 1000
    check("InferenceService: grace period longer than preStop + request timeout",
          predictor.get("terminationGracePeriodSeconds", 30) > (prestop_seconds(rcontainer) or 0) + rtimeout)
    if isvc["spec"]["predictor"].get("minReplicas") is not None:
        check("InferenceService: never fewer than 2 replicas", predictor["minReplicas"] >= 2)

    print(f"{len(failures)} failed" if failures else "every property holds")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
