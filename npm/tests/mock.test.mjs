// The npm package as a user meets it: installed from its tarballs into a project (scripts/node-check),
// imported by its name, the binary found in the platform package, no Rust anywhere.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe as group, test } from "node:test";
import { promisify } from "node:util";
import { CI_SETTINGS, Client, MockError, MockTimeout, describe, findBinary, instanceName, startMock } from "ucontact-mock";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(require.resolve("ucontact-mock/package.json"), "utf8"));

let mock;
before(async () => {
  mock = await startMock();
});
after(async () => {
  await mock?.stop();
});

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function refused(url) {
  try {
    await fetch(`${url}/_mock/health`);
    return false;
  } catch {
    return true;
  }
}

group("the install", () => {
  test("the binary comes from the platform package, its version the packages' own", async () => {
    const binary = findBinary();
    assert.match(binary, /node_modules\/@ucontact-mock\/linux-x64-gnu\/bin\/ucontact-mock$/);
    const { stdout } = await run(binary, ["--version"]);
    assert.equal(stdout.trim(), `ucontact-mock ${manifest.version}`);
    const platform = JSON.parse(readFileSync(require.resolve("@ucontact-mock/linux-x64-gnu/package.json"), "utf8"));
    assert.equal(platform.version, manifest.version);
    assert.equal(manifest.optionalDependencies["@ucontact-mock/linux-x64-gnu"], manifest.version);
  });

  test("npx ucontact-mock runs the binary with its arguments and exit status", async () => {
    const { stdout } = await run("npx", ["--no-install", "ucontact-mock", "--version"]);
    assert.equal(stdout.trim(), `ucontact-mock ${manifest.version}`);
    await assert.rejects(run("npx", ["--no-install", "ucontact-mock", "--no-such-flag"]), (error) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /unexpected argument '--no-such-flag'/);
      return true;
    });
    await run("npx", ["--no-install", "ucontact-mock", "health", mock.url]);
    await assert.rejects(run("npx", ["--no-install", "ucontact-mock", "health", "http://127.0.0.1:9"]), (e) => e.code === 1);
  });

  test("the launcher passes a signal on, and the server stops with it", async () => {
    // The command npm linked into node_modules/.bin, run as a shell runs it (npx itself does not
    // pass signals on).
    const launcher = spawn(join("node_modules", ".bin", "ucontact-mock"), ["--listen", "127.0.0.1:0", "--backup-listen",
      "127.0.0.1:0", "--db", ":memory:", "--seed", "7", "--clock", "manual"], { stdio: ["ignore", "pipe", "ignore"] });
    const line = await new Promise((resolve, reject) => {
      launcher.stdout.once("data", (d) => resolve(String(d)));
      launcher.once("exit", (code) => reject(new Error(`the launcher exited first (${code})`)));
    });
    const url = line.match(/main=(\S+)/)[1];
    assert.equal((await fetch(`${url}/_mock/health`)).status, 200);
    const exited = new Promise((resolve) => launcher.once("exit", (code, signal) => resolve(signal ?? code)));
    launcher.kill("SIGTERM");
    assert.ok([0, "SIGTERM", 143].includes(await exited), "the launcher ends with the server");
    assert.ok(await refused(url), "nothing listens any more");
  });

  test("a project installed without optional dependencies is told what is missing", async () => {
    const project = mkdtempSync(join(tmpdir(), "no-platform-"));
    writeFileSync(join(project, "package.json"), '{"name": "p", "private": true}');
    await run("npm", ["install", "--offline", "--omit=optional", "--no-audit", "--no-fund", "--loglevel=error",
      process.env.NODE_CHECK_MAIN_TGZ], { cwd: project });
    const error = await run("npx", ["--no-install", "ucontact-mock", "--version"], { cwd: project }).catch((e) => e);
    assert.equal(error.code, 1);
    assert.match(error.stderr, /the package @ucontact-mock\/linux-x64-gnu \(the binary for linux-x64-gnu\) is not installed/);
  });

  test("UCONTACT_MOCK_BIN names another binary, and a missing one is an error that says so", async () => {
    const saved = process.env.UCONTACT_MOCK_BIN;
    try {
      process.env.UCONTACT_MOCK_BIN = "/nonexistent/ucontact-mock";
      assert.throws(() => findBinary(), /UCONTACT_MOCK_BIN is "\/nonexistent\/ucontact-mock", which is not a file/);
      await assert.rejects(startMock(), /which is not a file/);
    } finally {
      if (saved === undefined) delete process.env.UCONTACT_MOCK_BIN;
      else process.env.UCONTACT_MOCK_BIN = saved;
    }
  });
});

group("contract coverage", () => {
  test("the session's summary, and failUnder rejecting under it", async () => {
    const own = await startMock();
    try {
      const one = own.instance("coverage-one");
      const token = await one.login("admin", "admin");
      assert.equal((await one.post("admin/addblack", { blacklist: { phone: "099", campaign: "*" } }, { token })).body, "1");
      const report = await one.coverage();
      assert.equal(report.instance, "coverage-one");
      assert.equal(report.score.covered, 2);
      const route = report.routes.find((r) => r.route === "admin/addblack");
      assert.deepEqual(route.score, { covered: 1, declared: 9, percent: 11.1 });
      const summary = await own.coverageSummary({ failUnder: 0 });
      assert.match(summary, /^## Contract coverage: 2 of \d+ branches/);
      assert.match(summary, /\| `admin\/addblack` \| 1 \| 1 of 9 \| 11\.1% \|/);
      await assert.rejects(own.coverageSummary({ failUnder: 50 }), (error) => {
        assert.ok(error instanceof MockError);
        assert.match(error.message, /of the mock's branches exercised \(2 of \d+\), under failUnder 50/);
        return true;
      });
      assert.match(await one.coverage("junit"), /^<\?xml/);
    } finally {
      await own.stop();
    }
  });
});

group("startMock", () => {
  test("starts on port 0 with the CI settings and answers health on both hosts", async () => {
    assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(mock.backupUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(mock.url, mock.backupUrl);
    assert.deepEqual(await mock.control.health(), { status: "ok" });
    const clock = await mock.control.clock.now();
    assert.equal(clock.now, "2026-01-05 09:00:00");
    assert.equal(clock.mode, "manual");
    assert.deepEqual(CI_SETTINGS, { db: ":memory:", clock: "manual", seed: 7, traffic: "off" });
  });

  test("the same seed gives the same tokens: byte-identical runs", async () => {
    const [a, b] = await Promise.all([startMock(), startMock()]);
    try {
      for (const server of [a, b]) server.tokens = [await server.login("admin", "admin"), await server.instance("x").login("admin", "admin")];
      assert.deepEqual(a.tokens, b.tokens);
      assert.notEqual(a.tokens[0], a.tokens[1]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test("settings are flags (clockStart is --clock-start) and a bad one fails with the server's words", async () => {
    const other = await startMock({ clockStart: "2026-03-02 08:00:00", seed: 3 });
    try {
      assert.equal((await other.control.clock.now()).now, "2026-03-02 08:00:00");
    } finally {
      await other.stop();
    }
    await assert.rejects(startMock({ clock: "sometimes" }), (error) => {
      assert.ok(error instanceof MockError);
      assert.match(error.message, /the mock did not start: .*sometimes/s);
      return true;
    });
  });

  test("stop ends the server; a second stop does nothing", async () => {
    const other = await startMock();
    const pid = other._child.pid;
    assert.ok(alive(pid));
    await other.stop();
    assert.ok(!alive(pid), "the process is gone");
    assert.ok(await refused(other.url));
    await other.stop();
  });

  test("a script that never calls stop still exits, and takes the server with it", async () => {
    const script = `import { startMock } from "ucontact-mock"; const m = await startMock(); console.log(m.url);`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { timeout: 20000 });
    const url = stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    for (let i = 0; i < 100 && !(await refused(url)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await refused(url), "the server left behind is gone");
  });

  test("url: a server already running is used and nothing is started", async () => {
    const external = await startMock({ url: mock.url, backupUrl: mock.backupUrl });
    assert.equal(external._child, null);
    assert.equal(external.url, mock.url);
    await external.instance("external").login("admin", "admin");
    await external.stop();
    assert.deepEqual(await mock.control.health(), { status: "ok" }, "the server it did not start runs on");
    await assert.rejects(startMock({ url: "http://127.0.0.1:9", startTimeout: 0.3 }), /is not healthy after 0.3 s/);
  });
});

group("the client", () => {
  test("login, an Integra route, the vendor's answer and X-Mock-Reason", async () => {
    const client = mock.instance("integra-routes");
    const token = await client.login("admin", "admin");
    const added = await client.post("admin/addblack", { blacklist: { phone: "12341234", campaign: "*" } }, { token });
    assert.equal(added.status, 200);
    assert.equal(added.body, "1");
    assert.equal(added.reason, null);
    const refused = await client.post("admin/addblack", { blacklist: { campaign: "*" } }, { token });
    assert.equal(refused.body, "0");
    assert.equal(refused.reason, "blacklist.phone is required");
    const unauthorized = await client.post("Supervisor/queuesummary", {}, { token: "bm8=" });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers["www-authenticate"], 'Basic realm="Integra"');
    assert.deepEqual((await client.control.state("blacklist")).map((r) => [r.phone, r.campaign]), [["12341234", "*"]]);
    await assert.rejects(client.login("admin", "wrong"), (error) => {
      assert.ok(error instanceof MockError);
      assert.match(error.message, /^login of "admin" refused: /);
      return true;
    });
    await client.delete();
  });

  test("drives a dialer list: a number respooled is dialled when the clock moves", async () => {
    const client = mock.instance("dialer-list");
    const token = await client.login("admin", "admin");
    const callspool = { campaign: "Ventas->", destination: "098344484", dialerbase: "basetest", status: 1,
      data: "Par1=Val1:Par2=Val2", alternatives: "098124484", contact: 222, retries: 0, priority: 9999, agentphone: "" };
    assert.equal((await client.post("Dialers/Respool", { callspool }, { token })).body, "1");
    const [filed] = (await client.control.state("spool")).filter((r) => r.destination === "098344484");
    assert.equal(filed.state, "pending");
    assert.equal(filed.last_result, null);
    await client.control.clock.advance(600);
    const [dialled] = (await client.control.state("spool")).filter((r) => r.destination === "098344484");
    assert.notEqual(dialled.state, "pending", JSON.stringify(dialled));
    assert.notEqual(dialled.last_result, null, JSON.stringify(dialled));
    const cdrs = await client.control.state("cdrs");
    assert.ok(cdrs.some((c) => c.destination === "098344484" || c.dst === "098344484"), "the call has a CDR");
    await client.delete();
  });

  test("the journal: requests, count, wait and its timeout with the closest miss", async () => {
    const client = mock.instance("journal");
    const token = await client.login("admin", "admin");
    await client.post("Supervisor/queuesummary", {}, { token });
    const entries = await client.control.requests({ path: "/Integra/resources/Supervisor/queuesummary" });
    assert.equal(entries.length, 1);
    assert.equal(entries[0].status, 200);
    assert.equal(entries[0].method, "POST");
    assert.equal(await client.control.count({ path: "/Integra/resources/auth/getUserToken", form: { user: "admin" } }), 1);
    assert.equal(await client.control.count({ form: { user: "nobody" } }), 0);
    const waited = client.control.wait({ path: "/Integra/resources/Cdr/getrecords", timeout: 5 });
    await client.post("Cdr/getrecords", { searchLimit: 1 }, { token });
    assert.equal(await waited, 1);
    await assert.rejects(client.control.wait({ path: "/Integra/resources/Cdr/getrecord", timeout: 0.2 }), (error) => {
      assert.ok(error instanceof MockTimeout);
      assert.equal(error.count, 0);
      assert.equal(error.closest.request.path, "/Integra/resources/Cdr/getrecords");
      assert.ok(error.closest.differences.length > 0, JSON.stringify(error.closest.differences));
      return true;
    });
    const text = describe(await client.control.requests());
    assert.match(text, /^#1 2026-01-05 09:00:00 POST \/Integra\/resources\/auth\/getUserToken password=admin user=admin\n/);
    assert.match(text, /\n {4}-> 200 /);
    await client.control.clearRequests();
    assert.deepEqual(await client.control.requests(), []);
    await client.delete();
  });

  test("instances are apart; reset, fixtures, faults and the clock are the instance's", async () => {
    const one = mock.instance("apart-one");
    const two = mock.instance("apart-two");
    const token = await one.login("admin", "admin");
    await one.post("admin/addblack", { blacklist: { phone: "555", campaign: "*" } }, { token });
    assert.equal((await one.control.state("blacklist")).length, 1);
    assert.deepEqual(await two.control.state("blacklist"), []);
    await one.control.reset();
    assert.deepEqual(await one.control.state("blacklist"), []);
    assert.equal((await one.control.clock.advance(60)).now, "2026-01-05 09:01:00");
    assert.equal((await two.control.clock.now()).now, "2026-01-05 09:00:00");
    assert.equal((await one.control.clock.set("2026-01-06 10:00:00")).now, "2026-01-06 10:00:00");
    const fresh = await one.login("admin", "admin");
    const { id } = await one.control.faults.add("/Integra/resources/Supervisor/queuesummary", { answer: "forced", times: 1 });
    assert.equal(typeof id, "number");
    assert.equal((await one.control.faults.list()).length, 1);
    assert.equal((await one.post("Supervisor/queuesummary", {}, { token: fresh })).body, "forced");
    await one.control.faults.clear();
    assert.deepEqual(await one.control.faults.list(), []);
    const world = {
      users: [{ user: "boss", password: "secret", name: "Boss", profile: "supervisor" }],
      agents: [{ user: "ana", name: "Ana", phone: "2001", tech: "SIP", context: "agentes" }],
      campaigns: [{ name: "Solo<-", kind: "inbound", strategy: "linear", slevelthreshold: 10, wrapup: 0, callerid: "1",
        did: "2", hours: "08:00-21:00", members: [{ agent: "ana" }] }],
      dispositions: [{ campaigns: ["Solo<-"], options: [{ l1: "Hecho", action: "none" }] }],
      history: { days: 0, calls_per_day: 0 },
    };
    await two.control.fixtures({ world });
    const boss = await two.login("boss", "secret");
    const queues = (await two.post("Supervisor/queuesummary", {}, { token: boss })).json();
    assert.deepEqual(queues.slice(0, -1).map((q) => q.queue), ["Solo<-"]);
    const names = (await mock.control.instances()).map((i) => i.instance);
    assert.ok(names.includes("apart-one") && names.includes("apart-two"), names.join());
    await one.delete();
    await two.delete();
    await two.delete();
    const left = (await mock.control.instances()).map((i) => i.instance);
    assert.ok(!left.includes("apart-one") && !left.includes("apart-two"), left.join());
  });

  test("a refused control request is a MockError with the server's message", async () => {
    await assert.rejects(mock.control.clock.advance(-5), (error) => {
      assert.ok(error instanceof MockError);
      assert.equal(error.status, 400);
      assert.match(error.message, /advance must be a number of seconds/);
      return true;
    });
    await assert.rejects(mock.control.state("no_such_table"), (error) => error instanceof MockError && error.status === 404);
    await assert.rejects(mock.delete(), /the default instance cannot be deleted/);
    assert.throws(() => mock.control.fixtures({}), /give either world \(and messages\) or dir/);
  });

  test("withInstance: a test's own instance, deleted after; a failure shows what the test sent", async () => {
    let seen;
    const answer = await mock.withInstance("suite > a passing test", async (client) => {
      seen = client.name;
      assert.equal(client.headers["X-Mock-Instance"], client.name);
      await client.login("admin", "admin");
      return 42;
    });
    assert.equal(answer, 42);
    assert.match(seen, /^suite-a-passing-test-[0-9a-f]{10}$/);
    await assert.rejects(
      mock.withInstance("suite > a failing test", async (client) => {
        const token = await client.login("admin", "admin");
        const reply = await client.post("admin/addblack", { blacklist: { campaign: "*" } }, { token });
        assert.equal(reply.body, "1");
      }),
      (error) => {
        assert.match(error.message, /Integra requests of instance suite-a-failing-test-[0-9a-f]{10}:/);
        assert.match(error.message, /POST \/Integra\/resources\/admin\/addblack blacklist=/);
        assert.match(error.message, /X-Mock-Reason: /);
        return true;
      },
    );
    const left = (await mock.control.instances()).map((i) => i.instance);
    assert.ok(!left.some((name) => name.startsWith("suite-")), left.join());
  });

  test("instanceName: [a-z0-9-]{1,63}, readable, unique by a hash", () => {
    for (const name of ["a > b", "ÄÖ", "x".repeat(200), "test [param-1]", ""]) {
      assert.match(instanceName(name), /^[a-z0-9-]{1,63}$/, name);
    }
    assert.notEqual(instanceName("a b"), instanceName("a-b"));
    assert.equal(instanceName("a b"), instanceName("a b"));
  });

  test("a Client of its own, given a URL, reaches the same server", async () => {
    const client = new Client(`${mock.url}/`, { instance: "plain-client" });
    assert.equal(client.url, mock.url);
    assert.equal(typeof (await client.login("admin", "admin")), "string");
    await client.delete();
  });
});
