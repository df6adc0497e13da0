"""The container checks of scripts/docker-check (see there), with podman. Usage: docker_check.py REPO_ROOT

Each step prints what it did and how long it took; the first failure stops the run with a reason.
"""

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.parse
import urllib.request

import yaml

root = sys.argv[1]
work = os.path.join(root, "target", "podman")
os.makedirs(work, exist_ok=True)
IMAGE = "localhost/ucontact-mock:latest"
RUN_ID = f"ucm-check-{os.getpid()}"

# The engine as this machine runs it: runc (crun cannot set up its containers here), cgroupfs (no
# systemd), and limits a container may set. Every podman started here, podman-compose's and the
# API service's too, reads this file and the storage file below, and no others.
CONF = os.path.join(work, "containers.conf")
with open(CONF, "w") as f:
    f.write(
        '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
        '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
    )
# A storage of this check's own: the stand-ins carry the real base images' names, which must never
# reach the machine's own podman storage (a later build there would take them for the real ones).
STORAGE_CONF = os.path.join(work, "storage.conf")
with open(STORAGE_CONF, "w") as f:
    f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{work}/storage"\nrunroot = "{work}/run"\n')
ENV = dict(os.environ, CONTAINERS_CONF=CONF, CONTAINERS_STORAGE_CONF=STORAGE_CONF)


def fail(message):
    print(f"docker-check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def say(message):
    print(f"docker-check: {message}", flush=True)


def podman(*args, check_rc=True, quiet=False, timeout=None):
    """Runs podman; its output, or a failure with what it printed."""
    result = subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout)
    if check_rc and result.returncode != 0:
        fail(f"podman {' '.join(args)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    if not quiet and result.stderr.strip():
        # Without systemd, podman says at each start that it cannot schedule the health check: the
        # checks below run it themselves.
        lines = [line for line in result.stderr.splitlines() if "systemd" not in line]
        if lines:
            print("\n".join(lines), file=sys.stderr)
    return result


def image_exists(name):
    return podman("image", "exists", name, check_rc=False, quiet=True).returncode == 0


# docker-compose.yml and the Dockerfile, as files -----------------------------------------------------
with open(os.path.join(root, "docker-compose.yml")) as f:
    compose = yaml.safe_load(f)
service = compose["services"]["ucontact-mock"]
check(service.get("build") == ".", "the service builds the repository's Dockerfile")
check(set(service["ports"]) == {"8085:8085", "8086:8086"}, f"both ports are published: {service['ports']}")
volume, _, target = service["volumes"][0].partition(":")
check(volume in (compose.get("volumes") or {}) and target == "/data", "a named volume holds /data")
with open(os.path.join(root, "Dockerfile")) as f:
    dockerfile = f.read()
bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
check(len(bases) == 2, f"two stages, build then run: {bases}")
build_base, run_base = bases
rust_version = re.fullmatch(r"rust:(\d+\.\d+(?:\.\d+)?)-bookworm", build_base)
check(rust_version and run_base == "gcr.io/distroless/cc-debian12:nonroot", f"the base images: {bases}")


# The two base images: local stand-ins (no image registry is reachable here) -------------------------
def bookworm_rootfs():
    """A minimal Debian bookworm with a C toolchain, by debootstrap, kept under target/ for reruns."""
    rootfs = os.path.join(work, "bookworm")
    marker = os.path.join(work, "bookworm.done")
    if os.path.exists(marker):
        return rootfs
    subprocess.run(["rm", "-rf", rootfs], check=True)
    began = time.time()
    include = "gcc,libc6-dev,make,ca-certificates,tzdata,netbase,libgomp1,libssl3"
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={include}", "bookworm", rootfs, "http://deb.debian.org/debian"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        fail(f"debootstrap of bookworm failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    open(marker, "w").close()
    say(f"debootstrap: a bookworm root with gcc and make in {time.time() - began:.0f} s")
    return rootfs


def rust_stand_in(rootfs):
    """rust:X-bookworm as the official image lays it out (/usr/local/rustup, /usr/local/cargo/bin on
    PATH), with this machine's own toolchain of that version copied in (its docs left out)."""
    wanted = rust_version[1]
    rustc = ["rustc"]
    have = subprocess.run(rustc + ["--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    if not (have == wanted or have.startswith(wanted + ".")) and shutil.which("rustup"):
        # Another default toolchain: the Dockerfile's version beside it, from the Rust registry.
        subprocess.run(["rustup", "toolchain", "install", wanted, "--profile", "minimal"], capture_output=True)
        rustc = ["rustc", f"+{wanted}"]
        found = subprocess.run(rustc + ["--version"], capture_output=True, text=True)
        have = found.stdout.split()[1] if found.returncode == 0 else have
    check(have == wanted or have.startswith(wanted + "."), f"the Dockerfile builds with Rust {wanted}; this machine has {have}")
    sysroot = subprocess.run(rustc + ["--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
    host = subprocess.run(rustc + ["-vV"], capture_output=True, text=True, check=True).stdout
    triple = re.search(r"^host: (\S+)", host, re.M).group(1)
    toolchain = f"usr/local/rustup/toolchains/{have}-{triple}"
    began = time.time()
    archive = os.path.join(work, "rust-stand-in.tar")
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
        for part in ("bin", "lib", "libexec", "etc"):
            if os.path.exists(os.path.join(sysroot, part)):
                tar.add(os.path.join(sysroot, part), arcname=f"{toolchain}/{part}")
        bin_dir = tarfile.TarInfo("usr/local/cargo/bin")
        bin_dir.type, bin_dir.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(bin_dir)
        for tool in ("cargo", "rustc", "rustdoc"):
            link = tarfile.TarInfo(f"usr/local/cargo/bin/{tool}")
            link.type, link.linkname = tarfile.SYMTYPE, f"/{toolchain}/bin/{tool}"
            tar.addfile(link)
    changes = [
        "ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV RUSTUP_HOME=/usr/local/rustup", "ENV CARGO_HOME=/usr/local/cargo", f"ENV RUST_VERSION={have}",
        'CMD ["bash"]',
    ]
    podman("import", *[a for c in changes for a in ("--change", c)], archive, f"docker.io/library/{build_base}", quiet=True)
    os.remove(archive)
    say(f"stand-in {build_base}: bookworm, gcc, make and rustc {have} in {time.time() - began:.0f} s")


# What distroless/cc-debian12 holds: glibc, libgcc, libgomp, libstdc++, OpenSSL, CA certificates,
# time zones, netbase; no shell, no package manager; a nonroot user 65532.
DISTROLESS_PACKAGES = ["libc6", "libgcc-s1", "libgomp1", "libstdc++6", "libssl3", "tzdata", "netbase"]
USR_MERGED = ("bin", "lib", "lib64", "sbin")


def distroless_stand_in(rootfs):
    began = time.time()
    archive = os.path.join(work, "distroless-stand-in.tar")
    paths = set()
    for package in DISTROLESS_PACKAGES:
        listing = [p for p in (f"{package}:amd64.list", f"{package}.list") if os.path.exists(os.path.join(rootfs, "var/lib/dpkg/info", p))]
        check(listing, f"the bookworm root has the package {package}")
        with open(os.path.join(rootfs, "var/lib/dpkg/info", listing[0])) as f:
            for path in f.read().split("\n"):
                top = path.split("/")[1] if path.count("/") > 1 else ""
                paths.add("/usr" + path if top in USR_MERGED else path)
    paths.add("/etc/ssl/certs/ca-certificates.crt")

    def directory(name, mode=0o755, owner=0):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, mode, owner, owner
        return info

    def text(name, content):
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(content), 0o644
        return info, io.BytesIO(content)

    with tarfile.open(archive, "w") as tar:
        added = set()

        def add(info, content=None):
            if info.name not in added:
                added.add(info.name)
                tar.addfile(info, content)

        for top in USR_MERGED:
            link = tarfile.TarInfo(top)
            link.type, link.linkname = tarfile.SYMTYPE, f"usr/{top}"
            add(link)
        for name, mode in (("tmp", 0o1777), ("root", 0o700), ("etc", 0o755), ("home", 0o755)):
            add(directory(name, mode))
        add(directory("home/nonroot", 0o700, 65532))
        add(*text("etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                  b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"))
        add(*text("etc/group", b"root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"))
        add(*text("etc/nsswitch.conf", b"passwd: files\ngroup: files\nhosts: files dns\n"))
        for path in sorted(paths):
            full = os.path.join(rootfs, path.lstrip("/"))
            if path.strip("/.") and os.path.lexists(full):
                info = tar.gettarinfo(full, arcname=path.lstrip("/"))
                if info.isreg():
                    with open(full, "rb") as content:
                        add(info, content)
                else:
                    add(info)
    changes = ["USER 65532", "WORKDIR /home/nonroot", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]
    podman("import", *[a for c in changes for a in ("--change", c)], archive, run_base, quiet=True)
    size = os.path.getsize(archive)
    os.remove(archive)
    say(f"stand-in {run_base}: {len(DISTROLESS_PACKAGES)} Debian packages' files, {size // 1_000_000} MB, no shell, in {time.time() - began:.0f} s")


if not image_exists(f"docker.io/library/{build_base}") or not image_exists(run_base):
    rootfs = bookworm_rootfs()
    if not image_exists(f"docker.io/library/{build_base}"):
        rust_stand_in(rootfs)
    if not image_exists(run_base):
        distroless_stand_in(rootfs)
else:
    say(f"stand-ins {build_base} and {run_base} are there from an earlier run")
no_shell = podman("run", "--rm", run_base, "/bin/sh", "-c", "true", check_rc=False, quiet=True)
# It starts (the runtime answers 126/127 for a missing executable), and only the shell is missing.
check(no_shell.returncode in (126, 127) and "/bin/sh" in no_shell.stderr,
      f"the {run_base} stand-in has no shell: exit {no_shell.returncode}, {no_shell.stderr[-500:]}")

# The build: the unchanged Dockerfile, for real ----------------------------------------------------------
# Two caches a user's `docker build` would not have, each a mount that the image never sees: this
# machine's crates (the registry cargo fetched into, so the build's `cargo build --locked` downloads
# nothing it has) and a target folder of the image build's own, kept for the next run here.
cargo_home = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
registry = os.path.join(cargo_home, "registry")
build_target = os.path.join(work, "cargo-target")
os.makedirs(registry, exist_ok=True)
os.makedirs(build_target, exist_ok=True)
began = time.time()
build = subprocess.run(
    ["podman", "build", "--pull=never", "--format", "docker",
     "--volume", f"{registry}:/usr/local/cargo/registry", "--volume", f"{build_target}:/src/target",
     "--tag", IMAGE, root],
    env=ENV, capture_output=True, text=True,
)
if build.returncode != 0:
    fail(f"podman build failed:\n{build.stdout[-4000:]}{build.stderr[-4000:]}")
say(f"podman build of the Dockerfile: {IMAGE} in {time.time() - began:.0f} s")
inspected = json.loads(podman("image", "inspect", IMAGE, quiet=True).stdout)[0]
config = inspected["Config"]
check(config.get("User") == "65532:65532", f"the image runs as 65532: {config.get('User')}")
health = inspected.get("Healthcheck") or {}
check(health.get("Test", [None, None, None])[1:3] == ["/usr/local/bin/ucontact-mock", "health"],
      f"the image keeps its HEALTHCHECK (docker format): {health}")
size = int(podman("image", "inspect", "--format", "{{.Size}}", IMAGE, quiet=True).stdout)
say(f"the image: {size / 1e6:.1f} MB, user {config['User']}, HEALTHCHECK {' '.join(health['Test'][1:])}")


# Running it -----------------------------------------------------------------------------------------------
def wait_healthy(name, deadline=30):
    """Runs the image's own HEALTHCHECK until it passes (podman schedules it with systemd, absent here)."""
    began = time.time()
    while time.time() - began < deadline:
        if podman("healthcheck", "run", name, check_rc=False, quiet=True).returncode == 0:
            status = podman("inspect", "--format", "{{.State.Health.Status}}", name, quiet=True).stdout.strip()
            check(status == "healthy", f"podman reports {name} as {status}")
            return time.time() - began
        time.sleep(0.2)
    logs = podman("logs", name, check_rc=False, quiet=True)
    fail(f"{name} was not healthy within {deadline} s:\n{logs.stdout[-2000:]}{logs.stderr[-2000:]}")


def published(name, port):
    return "http://" + podman("port", name, str(port), quiet=True).stdout.split()[0]


def integra(base, route, form, token=None):
    request = urllib.request.Request(f"{base}/Integra/resources/{route}", data=urllib.parse.urlencode(form).encode())
    if token:
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, reply.headers.get("Content-Type"), reply.read().decode()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, reply.read().decode()


name, data_volume = RUN_ID, f"{RUN_ID}-data"
try:
    began = time.time()
    podman("run", "--detach", "--name", name, "--publish", "127.0.0.1::8085", "--publish", "127.0.0.1::8086",
           "--volume", f"{data_volume}:/data", IMAGE)
    took = wait_healthy(name)
    say(f"the container is healthy {took:.1f} s after it was started (run to healthy: {time.time() - began:.1f} s)")
    base, backup = published(name, 8085), published(name, 8086)
    status, content_type, body = integra(base, "auth/getUserToken", {"user": "admin", "password": "admin"})
    check(status == 200 and body.startswith("[") and content_type.startswith("application/json"),
          f"a login through the published port: {status} {content_type} {body[:200]}")
    token = json.loads(body)[2]
    blacklisted = {"phone": "099555123", "campaign": "*", "name": "docker-check"}
    status, content_type, body = integra(base, "admin/addblack", {"blacklist": json.dumps(blacklisted)}, token)
    check((status, body) == (200, "1"), f"addblack through the published port answers 1: {status} {body!r}")
    status, _ = get(f"{backup}/_mock/health")
    check(status == 200, f"the backup host is published too: {status}")
    say(f"Integra through the published ports: getUserToken, addblack answered 1 ({base}, backup {backup})")

    users = podman("top", name, "user", "huser", quiet=True).stdout.split()[2:]
    check(users and all(u in ("65532", "nonroot") for u in users) and "root" not in users,
          f"the server runs as the image's non-root user: {users}")
    mountpoint = podman("volume", "inspect", "--format", "{{.Mountpoint}}", data_volume, quiet=True).stdout.strip()
    stat = os.stat(os.path.join(mountpoint, "mock.db"))
    check(stat.st_uid == 65532, f"the world is in the volume, owned by 65532: uid {stat.st_uid}")
    say(f"non-root: the process is {users[0]}; the world is /data/mock.db in volume {data_volume}, owned by 65532")

    began = time.time()
    podman("restart", "--time", "10", name)
    wait_healthy(name)
    base = published(name, 8085)
    status, rows = get(f"{base}/_mock/state/blacklist")
    check(status == 200 and "099555123" in rows, f"the blacklisted number is kept across the restart: {rows[:300]}")
    status, _, body = integra(base, "admin/deleteblack", {"blacklist": json.dumps(blacklisted)}, token)
    check((status, body) == (200, "1"), f"the token of before the restart still works: {status} {body!r}")
    say(f"restarted and healthy again in {time.time() - began:.1f} s: the blacklist entry and the session were kept in the volume")
finally:
    podman("rm", "--force", "--time", "0", name, check_rc=False, quiet=True)
    podman("volume", "rm", "--force", data_volume, check_rc=False, quiet=True)

# The compose file, with podman-compose -------------------------------------------------------------------
compose_bin = os.path.join(os.path.dirname(sys.executable), "podman-compose")
project = RUN_ID.replace("-", "")


def compose_run(*args):
    result = subprocess.run([compose_bin, "--project-name", project, "--file", os.path.join(root, "docker-compose.yml"), *args],
                            env=ENV, capture_output=True, text=True, cwd=root, timeout=300)
    if result.returncode != 0:
        fail(f"podman-compose {' '.join(args)}: exit {result.returncode}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


for port in (8085, 8086):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            fail(f"port {port} is in use here: the compose file publishes 8085 and 8086, so this check needs them free")
try:
    began = time.time()
    compose_run("up", "--detach", "--no-build")
    containers = podman("ps", "--filter", f"label=io.podman.compose.project={project}", "--format", "{{.Names}}", quiet=True).stdout.split()
    check(len(containers) == 1, f"compose started one container: {containers}")
    wait_healthy(containers[0])
    status, content_type, body = integra("http://127.0.0.1:8085", "auth/getUserToken", {"user": "Agente1", "password": "1234"})
    check(status == 200 and body.startswith("["), f"compose: a login on 127.0.0.1:8085: {status} {body[:200]}")
    status, _ = get("http://127.0.0.1:8086/_mock/health")
    check(status == 200, f"compose: the backup host on 127.0.0.1:8086: {status}")
    compose_run("down")
    left = podman("ps", "--all", "--filter", f"label=io.podman.compose.project={project}", "--format", "{{.Names}}", quiet=True).stdout.split()
    check(not left, f"compose down removed its container: {left}")
    volumes = podman("volume", "ls", "--format", "{{.Name}}", quiet=True).stdout.split()
    check(f"{project}_{volume}" in volumes, f"compose down keeps the named volume {project}_{volume}: {volumes}")
    say(f"compose: up, healthy, Integra on 8085 and 8086, down (the volume kept) in {time.time() - began:.1f} s")
finally:
    subprocess.run([compose_bin, "--project-name", project, "--file", os.path.join(root, "docker-compose.yml"), "down", "--volumes"],
                   env=ENV, capture_output=True, cwd=root)
    podman("volume", "rm", "--force", f"{project}_{volume}", check_rc=False, quiet=True)

# The Testcontainers recipe of docs/recipes.md, as it stands, through podman's Docker API -------------------
with open(os.path.join(root, "docs", "recipes.md")) as f:
    blocks = re.findall(r"<!-- tested: testcontainers -->\n```python\n(.*?)```", f.read(), re.S)
check(len(blocks) == 1, f"docs/recipes.md has one Testcontainers recipe: {len(blocks)}")
recipe_dir = os.path.join(work, "testcontainers")
os.makedirs(recipe_dir, exist_ok=True)
with open(os.path.join(recipe_dir, "test_recipe.py"), "w") as f:
    f.write(blocks[0])
# `docker build -t ucontact-mock .` names the image docker.io/library/ucontact-mock:latest; podman's
# own build named it localhost/.
podman("tag", IMAGE, "docker.io/library/ucontact-mock:latest")
socket_path = os.path.join(work, "podman.sock")
if os.path.exists(socket_path):
    os.remove(socket_path)
service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{socket_path}"], env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if os.path.exists(socket_path):
            break
        time.sleep(0.1)
    check(os.path.exists(socket_path), "podman's API service made its socket")
    # Ryuk, Testcontainers' reaper, is an image of its own that no registry here can give. This machine
    # has a /.dockerenv, so Testcontainers would take itself for a container beside the mock's and reach
    # it through a bridge; the published port on loopback is what a test on a host uses.
    recipe_env = dict(ENV, DOCKER_HOST=f"unix://{socket_path}", TESTCONTAINERS_RYUK_DISABLED="true",
                      TESTCONTAINERS_CONNECTION_MODE="docker_host")
    began = time.time()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_recipe.py"],
                            cwd=recipe_dir, env=recipe_env, capture_output=True, text=True, timeout=300)
    check(result.returncode == 0 and re.search(r"^1 passed", result.stdout, re.M),
          f"the Testcontainers recipe passes:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")
    say(f"the Testcontainers recipe passed through podman's Docker API in {time.time() - began:.1f} s")
finally:
    # Without Ryuk nothing reaps what a cut-short run left: the containers Testcontainers labels.
    left = podman("ps", "-aq", "--filter", "label=org.testcontainers=true", check_rc=False, quiet=True).stdout.split()
    if left:
        podman("rm", "-f", *left, check_rc=False, quiet=True)
    service.terminate()
    try:
        service.wait(timeout=10)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()
say("ok")
