import { createConnection, createServer, type Server, type Socket } from "node:net";

export type ProxyState = "open" | "cut" | "frozen" | "held";

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL: the way to make "the database is gone"
 * for one test without touching the shared cluster.
 * - `cut()`: every connection is reset and new ones are dropped at once (the database died).
 * - `freeze()`: connections stay open but no byte moves either way (a network partition:
 *   nothing errors, everything waits; only timeouts can end a request).
 * - `restore()`: new connections go through again. Frozen ones stay dead, as after a real
 *   partition, so the client must notice and replace them.
 * - `hold()`: new connections are accepted and wait, their bytes buffered, until
 *   `release()` lets them all through at the same moment (processes that start together
 *   reach the database together, whatever their start-up times).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #state: ProxyState = "open";
  readonly #held: Socket[] = [];
  readonly #onHeld = new Set<() => void>();

  private constructor(
    server: Server,
    readonly targetHost: string,
    readonly targetPort: number,
  ) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target.host, target.port);
    server.on("connection", (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("proxy is not listening");
    return address.port;
  }

  get state(): ProxyState {
    return this.#state;
  }

  /** `url` with its host and port pointed at the proxy. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(this.port);
    return proxied.toString();
  }

  cut(): void {
    this.#state = "cut";
    for (const client of this.#held.splice(0)) client.resetAndDestroy();
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  freeze(): void {
    this.#state = "frozen";
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    this.#state = "open";
  }

  hold(): void {
    this.#state = "held";
  }

  /** Resolves once `count` connections are waiting (see `hold()`). */
  whenHeld(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#held.length < count) return;
        this.#onHeld.delete(check);
        resolve();
      };
      this.#onHeld.add(check);
      check();
    });
  }

  release(): void {
    this.#state = "open";
    for (const client of this.#held.splice(0)) if (!client.destroyed) this.#connect(client);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    client.on("error", () => client.destroy());
    if (this.#state === "cut") {
      client.resetAndDestroy();
      return;
    }
    if (this.#state === "held") {
      client.pause();
      this.#held.push(client);
      for (const check of [...this.#onHeld]) check();
      return;
    }
    if (this.#state === "frozen") {
      // Accepted by the kernel, never answered: what a client sees of a partitioned host.
      client.pause();
      this.#pairs.add([client, client]);
      return;
    }
    this.#connect(client);
  }

  #connect(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    upstream.on("error", () => client.destroy());
    const forget = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", forget);
    upstream.on("close", forget);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
