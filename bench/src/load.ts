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
  /** CPU time (user + system) the server process spent per completed request. */
  serverCpuUsPerRequest: number;
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

/** The server under load: where to send requests and how much CPU its process has used. */
export type Target = { baseUrl: string; cpuMs(): number };

export async function warmUp(scenario: Scenario, target: Target, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds <= 0) return;
  await run(scenario, target.baseUrl, scenario.connections ?? settings.connections, settings.warmupSeconds);
  // Let the server finish what the warm-up left in flight before anything is measured.
  await settle();
}

export const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

/** One measured run of `seconds` (no warm-up). */
export async function measureOnce(
  scenario: Scenario,
  target: Target,
  settings: LoadSettings,
  seconds = settings.durationSeconds,
): Promise<LoadResult> {
  const connections = scenario.connections ?? settings.connections;
  const cpuBefore = target.cpuMs();
  const result = await run(scenario, target.baseUrl, connections, seconds);
  const cpuMs = target.cpuMs() - cpuBefore;
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = stats.count ?? 0;
  }
  const unexpected = Object.entries(statusCounts)
    .filter(([status]) => Number(status) !== scenario.expectedStatus)
    .reduce((sum, [, count]) => sum + count, 0);
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
    serverCpuUsPerRequest: completed > 0 ? (cpuMs * 1000) / completed : 0,
    errors: result.errors + result.timeouts + unexpected,
    statusCounts,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

/** Warms up, then measures one scenario against one server. */
export async function measure(
  scenario: Scenario,
  target: Target,
  settings: LoadSettings,
): Promise<LoadResult> {
  await warmUp(scenario, target, settings);
  return measureOnce(scenario, target, settings);
}

/**
 * Several measured segments of one scenario as one result: requests and CPU add up;
 * latency percentiles are the mean of the segments' (autocannon does not hand out its
 * histograms to merge).
 */
export function combine(segments: LoadResult[]): LoadResult {
  const first = segments[0];
  if (!first) throw new Error("no segments");
  const requests = segments.reduce((sum, r) => sum + r.requests, 0);
  const seconds = segments.reduce((sum, r) => sum + r.durationSeconds, 0);
  const mean = (pick: (r: LoadResult) => number) =>
    segments.reduce((sum, r) => sum + pick(r), 0) / segments.length;
  const statusCounts: Record<string, number> = {};
  for (const segment of segments) {
    for (const [status, count] of Object.entries(segment.statusCounts)) {
      statusCounts[status] = (statusCounts[status] ?? 0) + count;
    }
  }
  const notes = segments.flatMap((r) => (r.note ? [r.note] : []));
  return {
    ...first,
    durationSeconds: seconds,
    requests,
    requestsPerSecond: requests / seconds,
    latencyMs: {
      p50: mean((r) => r.latencyMs.p50),
      p99: mean((r) => r.latencyMs.p99),
      max: Math.max(...segments.map((r) => r.latencyMs.max)),
    },
    serverCpuUsPerRequest:
      segments.reduce((sum, r) => sum + r.serverCpuUsPerRequest * r.requests, 0) / Math.max(requests, 1),
    errors: segments.reduce((sum, r) => sum + r.errors, 0),
    statusCounts,
    ...(notes.length > 0 ? { note: [...new Set(notes)].join("; ") } : {}),
  };
}
