"""Compares an image's configuration with the Containerfile's runtime stage.

Reads the Containerfile's last stage (ENV, VOLUME, WORKDIR, USER, EXPOSE, STOPSIGNAL,
HEALTHCHECK, ENTRYPOINT, CMD) and `podman image inspect`'s JSON of an image on standard input,
prints one line per setting, and exits 1 if any differs: build-image.sh writes the same
configuration by hand, and this is what keeps the two in step.

Usage: podman image inspect IMAGE | python3 compare_config.py Containerfile
"""

import json
import re
import shlex
import sys

DURATION = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000}


def instructions(path):
    """The last stage's instructions, continuation lines joined, as (KEYWORD, rest)."""
    text = re.sub(r"\\\n", " ", open(path).read())
    stages, stage = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append(stage)
            stage = []
        stage.append((keyword.upper(), rest.strip()))
    stages.append(stage)
    return stages[-1]


def nanoseconds(value):
    number, unit = re.fullmatch(r"(\d+)(ns|us|ms|s|m)", value).groups()
    return int(number) * DURATION[unit]


def expected(path):
    want = {"Env": {}, "Volumes": set(), "ExposedPorts": set()}
    for keyword, rest in instructions(path):
        if keyword == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                want["Env"][key] = value
        elif keyword == "VOLUME":
            want["Volumes"] |= set(json.loads(rest) if rest.startswith("[") else rest.split())
        elif keyword == "EXPOSE":
            want["ExposedPorts"] |= {p if "/" in p else p + "/tcp" for p in rest.split()}
        elif keyword == "WORKDIR":
            want["WorkingDir"] = rest
        elif keyword == "USER":
            want["User"] = rest
        elif keyword == "STOPSIGNAL":
            want["StopSignal"] = rest
        elif keyword in ("ENTRYPOINT", "CMD"):
            want["Entrypoint" if keyword == "ENTRYPOINT" else "Cmd"] = json.loads(rest)
        elif keyword == "HEALTHCHECK":
            options, _, command = rest.partition(" CMD ")
            check = {"Test": ["CMD"] + json.loads(command)}
            names = {"interval": "Interval", "timeout": "Timeout", "start-period": "StartPeriod"}
            for option in options.split():
                name, _, value = option.lstrip("-").partition("=")
                if name == "retries":
                    check["Retries"] = int(value)
                else:
                    check[names[name]] = nanoseconds(value)
            want["Healthcheck"] = check
    return want


def actual(image):
    config = image["Config"]
    env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
    return {
        "Env": env,
        "Volumes": set(config.get("Volumes") or {}),
        "ExposedPorts": set(config.get("ExposedPorts") or {}),
        "WorkingDir": config.get("WorkingDir"),
        "User": config.get("User"),
        "StopSignal": config.get("StopSignal"),
        "Entrypoint": config.get("Entrypoint"),
        "Cmd": config.get("Cmd"),
        "Healthcheck": image.get("Healthcheck") or config.get("Healthcheck"),
    }


def main():
    want = expected(sys.argv[1])
    have = actual(json.load(sys.stdin)[0])
    failed = False
    for key, value in want.items():
        got = have.get(key)
        if key == "Env":
            # The image may set more (PATH, as debian's images do); the Containerfile's must match.
            same = all(got.get(k) == v for k, v in value.items())
        else:
            same = got == value
        print(f"{'ok  ' if same else 'FAIL'} {key}: Containerfile {value!r}" + ("" if same else f", image {got!r}"))
        failed |= not same
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
