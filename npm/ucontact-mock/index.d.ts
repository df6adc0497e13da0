// Types of the ucontact-mock package (index.js).

/** Flags of the server as settings: `clockStart` is `--clock-start`; `null` drops a default. */
export interface Settings {
  db?: string | null;
  clock?: "manual" | "real" | null;
  clockStart?: string | null;
  seed?: number | string | null;
  traffic?: "on" | "off" | null;
  auth?: "on" | "off" | null;
  fixtures?: string | null;
  timezone?: string | null;
  /** Any other flag, by its camelCase name (`maxInstances: 8`). */
  [flag: string]: unknown;
}

export interface StartOptions extends Settings {
  /** A server already running (a CI service container): nothing is started. */
  url?: string;
  backupUrl?: string;
  /** The binary to run (else UCONTACT_MOCK_BIN, else the platform package's). */
  binary?: string;
  /** More flags, as given. */
  args?: string[];
  env?: Record<string, string>;
  /** Seconds to wait for the listening line and health; 20 by default. */
  startTimeout?: number;
  /** The server's `--control-token`, sent on every control request. */
  controlToken?: string;
}

/** The settings a test double wants: `:memory:`, a manual clock, seed 7, no simulated traffic. */
export const CI_SETTINGS: Readonly<{ db: ":memory:"; clock: "manual"; seed: 7; traffic: "off" }>;

export class MockError extends Error {
  status: number;
  body: string;
  constructor(message: string, status?: number, body?: string);
}

/** The recorded request nearest to a pattern, and how it differed. */
export interface ClosestMiss {
  request: JournalEntry;
  differences: unknown[];
  [field: string]: unknown;
}

export class MockTimeout extends MockError {
  count: number;
  closest: ClosestMiss | null;
}

/** An answer as the mock sent it. */
export interface Reply {
  status: number;
  body: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** `X-Mock-Reason`: why the mock answered `0`, 400 or 401. */
  readonly reason: string | null;
  readonly contentType: string | null;
  json<T = unknown>(): T;
}

/** A journal entry: one Integra request and its answer. */
export interface JournalEntry {
  seq: number;
  time: string;
  clock_time: string;
  method: string;
  path: string;
  form: Record<string, string>;
  status: number;
  answer: string;
  reason?: string | null;
  /** `X-Mock-Lint`: what the client sent wrong though the vendor tolerates it. */
  lint?: string;
  [field: string]: unknown;
}

export interface Pattern {
  path?: string;
  method?: string;
  /** Fields that must have these values. */
  form?: Record<string, string>;
  since?: string;
  until?: string;
}

export interface RequestsQuery {
  path?: string;
  method?: string;
  since?: string;
  until?: string;
  after?: number;
  limit?: number;
}

export interface FaultSpec {
  /** Milliseconds, or `[min, max]`. */
  latency?: number | [number, number];
  answer?: string;
  status?: number;
  drop?: boolean;
  probability?: number;
  times?: number;
}

export interface ClockState {
  now: string;
  mode: string;
  timezone: string;
  epoch_ms: number;
}

export interface Control {
  health(): Promise<{ status: string }>;
  /** The instance starts over from its fixtures. */
  reset(): Promise<void>;
  instances(): Promise<Array<{ instance: string; [field: string]: unknown }>>;
  /** The rows of a table (`spool`, `cdrs`, `sessions`, ...). */
  state<Row = Record<string, unknown>>(table: string): Promise<Row[]>;
  /** Fixtures of the instance's own (a world.json as an object, or a folder); resets it. */
  fixtures(fixtures: { world: object; messages?: object } | { dir: string; messages?: object }): Promise<unknown>;
  requests(query?: RequestsQuery): Promise<JournalEntry[]>;
  clearRequests(): Promise<void>;
  count(pattern?: Pattern): Promise<number>;
  /** Waits until `count` matching requests arrived; MockTimeout when `timeout` seconds pass first. */
  wait(options?: Pattern & { count?: number; timeout?: number }): Promise<number>;
  clock: {
    now(): Promise<ClockState>;
    /** Moves the clock on; the simulation runs through the seconds before this resolves. */
    advance(seconds: number): Promise<ClockState>;
    /** `yyyy-MM-dd HH:mm:ss`, in the mock's time zone. */
    set(date: string): Promise<ClockState>;
  };
  faults: {
    /** A trailing `*` in `path` matches a prefix; answers the fault's id. */
    add(path: string, spec?: FaultSpec): Promise<{ id: number; [field: string]: unknown }>;
    list(): Promise<unknown[]>;
    clear(): Promise<void>;
  };
}

/** One instance of a running mock. */
export class Client {
  constructor(url: string, options?: { backupUrl?: string | null; instance?: string | null; controlToken?: string | null });
  readonly url: string;
  readonly backupUrl: string | null;
  /** The instance's name; null for the default. */
  readonly name: string | null;
  /** `X-Mock-Instance` for requests your own code sends to this instance. */
  readonly headers: Record<string, string>;
  readonly control: Control;
  instance(name: string): Client;
  delete(): Promise<void>;
  /** The token of `auth/getUserToken`; MockError when refused. */
  login(user: string, password: string): Promise<string>;
  /** POSTs a form to an Integra route (`"admin/addblack"`); object values are sent as JSON. */
  post(route: string, form?: Record<string, unknown>, options?: { token?: string }): Promise<Reply>;
  describeRequests(): Promise<string>;
  /** The contract coverage report of this instance (or every instance's with `everyone`). */
  coverage(format?: "json", options?: { everyone?: boolean }): Promise<CoverageReport>;
  coverage(format: "md" | "junit", options?: { everyone?: boolean }): Promise<string>;
  /** Every instance's coverage as Markdown; rejects with a MockError under `failUnder` percent. */
  coverageSummary(options?: { failUnder?: number }): Promise<string>;
}

export class Mock extends Client {
  /** An instance of its own for `fn`, named from `testName`, deleted after; a thrown error's message
   * gets the Integra requests the instance was sent. */
  withInstance<T>(testName: string, fn: (client: Client) => Promise<T> | T): Promise<T>;
  stop(): Promise<void>;
}

export interface CoverageReport {
  instance: string | null;
  score: { covered: number; declared: number; percent: number };
  routes: Array<{
    route: string;
    requests: number;
    score: { covered: number; declared: number; percent: number };
    branches: Array<{ branch: string; count: number; means: string }>;
    fields: Array<{ field: string; required: boolean; value: number; empty: number; absent: number }>;
    unknown_fields: Array<{ field: string; count: number; closest: string | null }>;
    unknown_fields_dropped: number;
    undeclared: Array<{ name: string; count: number }>;
    faults: Array<{ name: string; count: number }>;
    other: Array<{ status: number; count: number }>;
    lints: Array<{ lint: string; count: number; first_instance: string; first_seq: number }>;
  }>;
  uncovered: string[];
  untracked_requests: number;
  counting: boolean;
}

export function startMock(options?: StartOptions): Promise<Mock>;
/** `[a-z0-9-]{1,63}`: readable, and unique through a hash. */
export function instanceName(testName: string): string;
export function describe(entries: JournalEntry[]): string;
export function findBinary(): string;
export function platformKey(): string;
