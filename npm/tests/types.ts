// Compiled by scripts/node-check with tsc --strict: the package's types as a TypeScript user meets them.
import { startMock, MockError, MockTimeout, instanceName, type Client, type CoverageReport, type JournalEntry, type Reply } from "ucontact-mock";

async function main(): Promise<void> {
  const mock = await startMock({ seed: 3, clockStart: "2026-01-05 08:00:00", traffic: "off" });
  const client: Client = mock.instance(instanceName("types"));
  const token: string = await client.login("admin", "admin");
  const reply: Reply = await client.post("admin/addblack", { blacklist: { phone: "1", campaign: "*" } }, { token });
  const why: string | null = reply.reason;
  const entries: JournalEntry[] = await client.control.requests({ path: "/Integra/resources/admin/addblack" });
  const count: number = await client.control.count({ form: { user: "admin" } });
  const now: string = (await client.control.clock.advance(60)).now;
  await client.control.faults.add("/Integra/resources/*", { latency: [10, 20], times: 1 });
  try {
    await client.control.wait({ path: "/x", count: 1, timeout: 0.1 });
  } catch (error) {
    if (error instanceof MockTimeout) console.log(error.count, error.closest?.request.path);
    else if (error instanceof MockError) console.log(error.status);
  }
  const answer: number = await mock.withInstance("t", async (c) => (await c.login("admin", "admin")).length);
  const report: CoverageReport = await client.coverage();
  const junit: string = await client.coverage("junit", { everyone: true });
  const summary: string = await mock.coverageSummary({ failUnder: 10 });
  console.log(why, entries.length, count, now, answer, mock.backupUrl, report.score.percent, junit.length, summary);
  await mock.stop();
}

void main();
