"""The Docker checks of scripts/docker-check (see there). Usage: docker_check.py REPO_ROOT"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

root = sys.argv[1]


def fail(message):
    print(f"docker-check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


# docker-compose.yml --------------------------------------------------------------------------------
with open(os.path.join(root, "docker-compose.yml")) as f:
    compose = yaml.safe_load(f)
service = compose["services"]["ucontact-mock"]
check(service.get("build") == ".", "the service builds the repository's Dockerfile")
check(set(service["ports"]) == {"8085:8085", "8086:8086"}, f"both ports are published: {service['ports']}")
volume, _, target = service["volumes"][0].partition(":")
check(volume in (compose.get("volumes") or {}) and target == "/data", "a named volume holds /data")
check(service["environment"]["UCONTACT_MOCK_DB"].startswith("/data/"), "the database is in the volume")
test = service["healthcheck"]["test"]
check(test[0] == "CMD" and test[2] == "health", f"the health check runs `ucontact-mock health`: {test}")
print("docker-check: docker-compose.yml parses: ports 8085 and 8086, volume", volume, "on /data, health check")

# Dockerfile ----------------------------------------------------------------------------------------
stages, current = [], None
with open(os.path.join(root, "Dockerfile")) as f:
    text = f.read().replace("\\\n", " ")
for line in text.splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    instruction, _, rest = line.partition(" ")
    instruction = instruction.upper()
    if instruction == "FROM":
        current = {"from": rest, "steps": []}
        stages.append(current)
    else:
        current["steps"].append((instruction, rest.strip()))
check(len(stages) == 2 and stages[0]["from"].endswith(" AS build"), "two stages: build, then run")
build, run = stages

# The build stage's steps, in a scratch folder standing for the image's filesystem.
scratch = tempfile.mkdtemp(prefix="docker-check-")
workdir = scratch
env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(root, "target"))
began = time.time()
for instruction, rest in build["steps"]:
    if instruction == "WORKDIR":
        workdir = os.path.join(scratch, rest.lstrip("/"))
        os.makedirs(workdir, exist_ok=True)
    elif instruction == "COPY":
        *sources, dest = shlex.split(rest)
        dest = os.path.join(workdir, dest)
        for source in sources:
            path = os.path.join(root, source)
            if os.path.isdir(path):
                shutil.copytree(path, dest.rstrip("/") if len(sources) == 1 else os.path.join(dest, source))
            else:
                os.makedirs(dest, exist_ok=True)
                shutil.copy(path, dest)
    elif instruction == "RUN":
        # Paths rooted at / are the image's: they live in the scratch folder. The build's target is
        # the repository's (so a local run reuses it), seen at the stage's ./target.
        command = rest.replace(" /out", f" {scratch}/out")
        os.makedirs(os.path.join(workdir, "target"), exist_ok=True)
        if not os.path.islink(os.path.join(workdir, "target")):
            os.rmdir(os.path.join(workdir, "target"))
            os.symlink(os.path.join(root, "target"), os.path.join(workdir, "target"))
        print(f"docker-check: RUN {rest}", flush=True)
        subprocess.run(["sh", "-c", command], cwd=workdir, env=env, check=True)
    else:
        fail(f"the build stage uses {instruction}, which this check cannot run")
binary = os.path.join(scratch, "out", "ucontact-mock")
check(os.access(binary, os.X_OK), "the build stage made /out/ucontact-mock")
print(f"docker-check: the build stage ran here in {time.time() - began:.0f} s")

# The runtime stage: non-root, the binary, 0.0.0.0, and its health check.
steps = dict((i, r) for i, r in run["steps"] if i in ("USER", "WORKDIR", "ENTRYPOINT", "HEALTHCHECK"))
user = steps.get("USER", "root").split(":")[0]
check(user not in ("root", "0"), f"the image runs as a non-root user: {user}")
runtime_env = {}
for instruction, rest in run["steps"]:
    if instruction == "ENV":
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            runtime_env[key] = value
check(runtime_env.get("UCONTACT_MOCK_LISTEN", "").startswith("0.0.0.0:"), "the image listens on 0.0.0.0")
check(runtime_env.get("UCONTACT_MOCK_BACKUP_LISTEN", "").startswith("0.0.0.0:"), "the backup host too")
health = json.loads(steps["HEALTHCHECK"].split("CMD", 1)[1])
entry = json.loads(steps["ENTRYPOINT"])
check(health[0] == entry[0] and health[1] == "health", f"the health check is the binary's own: {health}")

# Run the binary as the image would (its ENV; a scratch data folder; free ports), then the check.
data = os.path.join(scratch, "data")
os.makedirs(data, exist_ok=True)
server_env = dict(os.environ, **runtime_env)
server_env["UCONTACT_MOCK_DB"] = os.path.join(data, "mock.db")
server_env["UCONTACT_MOCK_LISTEN"] = "0.0.0.0:0"
server_env["UCONTACT_MOCK_BACKUP_LISTEN"] = "0.0.0.0:0"
server = subprocess.Popen([binary], cwd=data, env=server_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    banner = server.stdout.readline().split()
    check(banner[:1] == ["listening"], f"the server started: {banner}")
    main = banner[1].split("=", 1)[1]
    port = main.rsplit(":", 1)[1]
    command = [binary] + [a.replace(":8085", f":{port}") for a in health[1:]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    check(result.returncode == 0, f"the health check passes: {result.stderr}")
    print(f"docker-check: the image's HEALTHCHECK passes against the server (port {port})")
    server.terminate()
    server.wait(timeout=10)
    result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    check(result.returncode != 0, "the health check fails once the server is gone")
finally:
    server.kill()
shutil.rmtree(scratch, ignore_errors=True)
print("docker-check: ok")
