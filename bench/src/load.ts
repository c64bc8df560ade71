import autocannon from "autocannon";
import type { Scenario } from "./scenarios.ts";

export type LoadSettings = {
  /** Concurrent connections, the same for every scenario and both servers. */
  connections: number;
  /** Measured seconds per scenario. */
  durationSeconds: number;
  /** Unmeasured seconds before, so that both servers are measured warm (JIT, pool, caches). */
  warmupSeconds: number;
};

export type LoadResult = {
  key: string;
  title: string;
  surface: Scenario["surface"];
  target: Scenario["target"];
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Connection errors + timeouts + answers of any other status than expected. */
  errors: number;
  statusCounts: Record<string, number>;
  /** Why the errors, in words, when there are some. */
  note?: string;
};

function run(scenario: Scenario, baseUrl: string, connections: number, seconds: number) {
  return autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    // One request in flight per connection: what a real client pool does.
    pipelining: 1,
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request) => {
          const next = scenario.next();
          request.method = next.method;
          request.path = next.path;
          request.body = next.body ?? "";
          return request;
        },
      },
    ],
  });
}

/** Warms up, then measures one scenario against one server. */
export async function measure(
  scenario: Scenario,
  baseUrl: string,
  settings: LoadSettings,
): Promise<LoadResult> {
  const connections = scenario.connections ?? settings.connections;
  if (settings.warmupSeconds > 0) {
    await run(scenario, baseUrl, connections, settings.warmupSeconds);
    // Let the server finish what the warm-up left in flight before the measured run.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const result = await run(scenario, baseUrl, connections, settings.durationSeconds);
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = stats.count ?? 0;
  }
  const unexpected = Object.entries(statusCounts)
    .filter(([status]) => Number(status) !== scenario.expectedStatus)
    .reduce((sum, [, count]) => sum + count, 0);
  const errors = result.errors + result.timeouts + unexpected;
  const notes: string[] = [];
  if (unexpected > 0)
    notes.push(`statuses ${JSON.stringify(statusCounts)}, expected ${scenario.expectedStatus}`);
  if (result.errors + result.timeouts > 0)
    notes.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  if (scenario.exhausted())
    notes.push("ran out of prepared ids: raise --fresh-students or shorten --duration");
  const completed = result.requests.total;
  return {
    key: scenario.key,
    title: scenario.title,
    surface: scenario.surface,
    target: scenario.target,
    connections,
    durationSeconds: result.duration,
    requests: completed,
    // Completed requests over the measured time (autocannon's per-second average drops the
    // partial last second).
    requestsPerSecond: completed / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors,
    statusCounts,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}
