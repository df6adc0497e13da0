// ucontact-mock from Node: start the bundled binary on port 0 with the CI settings (or use a server
// already running), log in, post to the Integra routes, and drive the control API (/_mock) of one
// instance at a time. Node's own fetch and child_process only; the types are in index.d.ts.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { findBinary } from "./binary.js";

export { findBinary, platformKey } from "./binary.js";

const INTEGRA = "/Integra/resources/";

/** What a test double wants by default: no file, a clock that moves only when told, fixed draws, no
 * simulated callers (the mock's own defaults are a file, the real clock, a new seed, traffic on). */
export const CI_SETTINGS = Object.freeze({ db: ":memory:", clock: "manual", seed: 7, traffic: "off" });

/** A control request the mock refused, or an answer that was not what the call promises. */
export class MockError extends Error {
  constructor(message, status = 0, body = "") {
    super(message);
    this.name = "MockError";
    this.status = status;
    this.body = body;
  }
}

/** `wait` timed out first; `closest` is the recorded request nearest to the pattern and how it
 * differed (`{ request, differences }`), if any. */
export class MockTimeout extends MockError {
  constructor(message, count, closest) {
    super(message, 408);
    this.name = "MockTimeout";
    this.count = count;
    this.closest = closest ?? null;
  }
}

/** An answer as the mock sent it. */
class Reply {
  constructor(status, body, headers) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
  /** `X-Mock-Reason`: why the mock answered `0`, 400 or 401. */
  get reason() {
    return this.headers["x-mock-reason"] ?? null;
  }
  get contentType() {
    return this.headers["content-type"] ?? null;
  }
  json() {
    return JSON.parse(this.body);
  }
}

/** One instance of a running mock (`instance` undefined: the default). */
export class Client {
  constructor(url, { backupUrl = null, instance = null, controlToken = null } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.backupUrl = backupUrl ? backupUrl.replace(/\/+$/, "") : null;
    this.name = instance;
    this._controlToken = controlToken;
    const control = (method, path, body) => this._control(method, path, body);
    this.control = {
      health: () => control("GET", "/_mock/health"),
      reset: () => control("POST", "/_mock/reset").then(() => undefined),
      instances: () => control("GET", "/_mock/instances"),
      state: (table) => control("GET", `/_mock/state/${encodeURIComponent(table)}`),
      fixtures: ({ world, messages, dir } = {}) => {
        if ((world === undefined) === (dir === undefined)) throw new TypeError("give either world (and messages) or dir");
        return control("POST", "/_mock/fixtures", dir !== undefined ? { dir, messages } : { world, messages });
      },
      requests: (query = {}) => control("GET", `/_mock/requests${searchOf(query)}`),
      clearRequests: () => control("DELETE", "/_mock/requests").then(() => undefined),
      count: (pattern = {}) => control("POST", "/_mock/requests/count", patternOf(pattern)).then((r) => r.count),
      wait: (options = {}) => this._wait(options),
      clock: {
        now: () => control("GET", "/_mock/clock"),
        advance: (seconds) => control("POST", "/_mock/clock", { advance: seconds }),
        set: (date) => control("POST", "/_mock/clock", { set: date }),
      },
      faults: {
        add: (path, spec = {}) => control("POST", "/_mock/faults", { path, ...spec }),
        list: () => control("GET", "/_mock/faults"),
        clear: () => control("DELETE", "/_mock/faults").then(() => undefined),
      },
    };
  }

  /** The same server's instance `name` (made from the fixtures on its first request). */
  instance(name) {
    return new Client(this.url, { backupUrl: this.backupUrl, instance: name, controlToken: this._controlToken });
  }

  /** What a request to this instance carries (`X-Mock-Instance`). */
  get headers() {
    return this.name ? { "X-Mock-Instance": this.name } : {};
  }

  /** Forgets this instance and its data (no error when it is not there). */
  async delete() {
    if (!this.name) throw new MockError("the default instance cannot be deleted; reset() it instead");
    const reply = await this._send("DELETE", `/_mock/instances/${this.name}`);
    if (reply.status !== 200 && reply.status !== 404) throw errorOf(reply);
  }

  /** Logs in through `auth/getUserToken`; the token (MockError when the mock answers `0`). */
  async login(user, password) {
    const reply = await this.post("auth/getUserToken", { user, password });
    if (reply.status !== 200 || reply.body.trim() === "0") {
      throw new MockError(`login of ${JSON.stringify(user)} refused: ${reply.reason ?? reply.body}`, reply.status, reply.body);
    }
    return reply.json().at(-1);
  }

  /** POSTs `form` (urlencoded; an object or array value is sent as JSON) to an Integra route. */
  post(route, form = {}, { token } = {}) {
    const path = route.startsWith("/") ? route : INTEGRA + route;
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      body.append(key, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
    }
    const headers = { "Content-Type": "application/x-www-form-urlencoded", ...this.headers };
    if (token) headers.Authorization = `Basic ${token}`;
    return this._send("POST", path, body.toString(), headers);
  }

  /** The contract coverage report (docs/contract.md, section 13) of this instance, or of every
   * instance with `everyone`: an object for `"json"`, text for `"md"` and `"junit"`. */
  async coverage(format = "json", { everyone = false } = {}) {
    const query = new URLSearchParams({ format });
    if (this.name && !everyone) query.set("instance", this.name);
    const headers = this._controlToken ? { Authorization: `Bearer ${this._controlToken}` } : {};
    const response = await fetch(`${this.url}/_mock/coverage?${query}`, { headers });
    const text = await response.text();
    const reply = new Reply(response.status, text, Object.fromEntries(response.headers));
    if (reply.status !== 200) throw errorOf(reply);
    return format === "json" ? reply.json() : text;
  }

  /** The session's summary: every instance's coverage as Markdown; with `failUnder` (a percentage),
   * a MockError carrying that summary when the tests exercised less of the mock's branches. */
  async coverageSummary({ failUnder } = {}) {
    const [report, markdown] = await Promise.all([this.coverage("json", { everyone: true }), this.coverage("md", { everyone: true })]);
    const { covered, declared, percent } = report.score;
    if (failUnder !== undefined && percent < failUnder) {
      throw new MockError(
        `${percent.toFixed(1)}% of the mock's branches exercised (${covered} of ${declared}), under failUnder ${failUnder}\n\n${markdown}`,
      );
    }
    return markdown;
  }

  /** The instance's journal as lines a failing test's reader takes in at once. */
  async describeRequests() {
    return describe(await this.control.requests());
  }

  async _wait({ count = 1, timeout = 10, ...pattern } = {}) {
    const body = JSON.stringify({ ...patternOf(pattern), count, timeout });
    const reply = await this._send("POST", "/_mock/requests/wait", body, { "Content-Type": "application/json" });
    if (reply.status === 408) {
      const found = reply.json();
      throw new MockTimeout(found.error ?? "timed out", found.count ?? 0, found.closest);
    }
    return checked(reply).count;
  }

  async _send(method, path, body, headers = {}) {
    const sent = { ...headers };
    if (path.startsWith("/_mock")) {
      Object.assign(sent, this.headers);
      if (this._controlToken) sent.Authorization = `Bearer ${this._controlToken}`;
    }
    const response = await fetch(this.url + path, { method, body, headers: sent });
    const text = await response.text();
    return new Reply(response.status, text, Object.fromEntries(response.headers));
  }

  async _control(method, path, body) {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data === undefined ? {} : { "Content-Type": "application/json" };
    return checked(await this._send(method, path, data, headers));
  }
}

/** A server started by `startMock` (or one already running, given by `url`). */
export class Mock extends Client {
  constructor(url, options, child) {
    super(url, options);
    this._child = child;
  }

  /** Runs `fn(client)` with an instance of its own named from `testName`; deletes it after. When
   * `fn` throws, the error's message gets the Integra requests the instance was sent. */
  async withInstance(testName, fn) {
    const client = this.instance(instanceName(testName));
    try {
      return await fn(client);
    } catch (error) {
      if (error instanceof Error) {
        const journal = await client.describeRequests().catch((e) => `(the journal could not be read: ${e.message})`);
        error.message += `\n\nIntegra requests of instance ${client.name}:\n${journal}`;
      }
      throw error;
    } finally {
      await client.delete().catch(() => {});
    }
  }

  /** Stops the server and every process it started (its process group). */
  async stop() {
    const child = this._child;
    this._child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
// `await using mock = await startMock()` where the runtime has explicit resource management.
if (Symbol.asyncDispose) Mock.prototype[Symbol.asyncDispose] = Mock.prototype.stop;

/** Starts the mock (the bundled binary, `binary`, or UCONTACT_MOCK_BIN) on 127.0.0.1 port 0 with
 * CI_SETTINGS and the settings given (`seed: 3`, `clockStart: "2026-01-05 08:00:00"`, `auth: "off"`;
 * `null` drops one), waits until it is healthy; or, given `url`, uses a server already running. */
export async function startMock(options = {}) {
  const { url, backupUrl, binary, args = [], env, startTimeout = 20, controlToken, ...settings } = options;
  if (url) {
    const mock = new Mock(url, { backupUrl, controlToken }, null);
    await ready(mock, startTimeout);
    return mock;
  }
  const command = [
    "--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0",
    ...flagsOf({ ...CI_SETTINGS, ...settings }), ...args,
  ];
  const child = spawn(binary ?? findBinary(), command, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    detached: true,
  });
  // The last few KB the server logged, for the error when it does not start; the rest is read away.
  const stderr = [];
  let held = 0;
  child.stderr.on("data", (chunk) => {
    stderr.push(chunk);
    held += chunk.length;
    while (stderr.length > 1 && held - stderr[0].length >= 4000) held -= stderr.shift().length;
  });
  const stopOnExit = () => killGroup(child, "SIGKILL");
  process.once("exit", stopOnExit);
  child.once("exit", () => process.removeListener("exit", stopOnExit));
  const tail = () => Buffer.concat(stderr).toString().trim().slice(-2000);
  let line;
  try {
    line = await firstLine(child, startTimeout);
  } catch (error) {
    killGroup(child, "SIGKILL");
    throw new MockError(`the mock did not start: ${tail() || error.message}`);
  }
  const urls = Object.fromEntries(line.split(/\s+/).slice(1).map((w) => w.split("=", 2)));
  if (!line.startsWith("listening") || !urls.main) {
    killGroup(child, "SIGKILL");
    throw new MockError(`the mock did not start: ${tail() || line}`);
  }
  // The rest of stdout is read away so the server never blocks on a full pipe; none of it keeps
  // Node's event loop alive (a test runner that forgets stop() still exits, and kills the server).
  child.stdout.resume();
  for (const handle of [child, child.stdout, child.stderr]) handle.unref();
  const mock = new Mock(urls.main, { backupUrl: urls.backup, controlToken }, child);
  await ready(mock, startTimeout);
  return mock;
}

/** A name of `[a-z0-9-]{1,63}` for a test: readable, and unique through a hash of its full name. */
export function instanceName(testName) {
  const digest = createHash("sha1").update(testName).digest("hex").slice(0, 10);
  const readable = testName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  return readable ? `${readable}-${digest}` : `t-${digest}`;
}

/** Journal entries as text: one line per request, its answer and `X-Mock-Reason` below it. */
export function describe(entries) {
  if (!entries.length) return "(none: the test sent no Integra request to its instance)";
  const lines = [];
  for (const e of entries) {
    const form = Object.entries(e.form ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push(`#${e.seq} ${e.clock_time} ${e.method} ${e.path} ${form}`.trimEnd());
    lines.push(`    -> ${e.status} ${e.answer}`);
    if (e.reason) lines.push(`    X-Mock-Reason: ${e.reason}`);
  }
  return lines.join("\n");
}

function flagsOf(settings) {
  return Object.entries(settings).flatMap(([name, value]) =>
    value === null || value === undefined ? [] : [`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value)],
  );
}

function firstLine(child, timeoutSeconds) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const done = (settle, value) => {
      clearTimeout(timer);
      lines.removeAllListeners();
      child.removeListener("exit", exited);
      child.removeListener("error", failed);
      lines.close();
      settle(value);
    };
    const exited = (code, signal) => done(reject, new Error(`it exited (${signal ?? `status ${code}`})`));
    const failed = (error) => done(reject, error);
    const timer = setTimeout(() => done(reject, new Error(`no listening line in ${timeoutSeconds} s`)), timeoutSeconds * 1000);
    lines.once("line", (line) => done(resolve, line.trim()));
    child.once("exit", exited);
    child.once("error", failed);
  });
}

async function ready(client, timeoutSeconds) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    try {
      if ((await client._send("GET", "/_mock/health")).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new MockError(`the mock at ${client.url} is not healthy after ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function searchOf(query) {
  const kept = Object.entries(query).filter(([, v]) => v !== undefined && v !== null);
  return kept.length ? `?${new URLSearchParams(kept.map(([k, v]) => [k, String(v)]))}` : "";
}

function patternOf({ path, method, form, since, until } = {}) {
  return Object.fromEntries(Object.entries({ path, method, form, since, until }).filter(([, v]) => v !== undefined));
}

function checked(reply) {
  if (reply.status !== 200) throw errorOf(reply);
  return reply.body ? reply.json() : null;
}

function errorOf(reply) {
  let message;
  try {
    message = reply.json().error || reply.body;
  } catch {
    message = reply.body || reply.reason || `HTTP ${reply.status}`;
  }
  return new MockError(`${message} (HTTP ${reply.status})`, reply.status, reply.body);
}
