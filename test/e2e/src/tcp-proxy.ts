// A TCP proxy between a client and an apiserver, for tests that need the network to fail:
// cut() resets every connection and refuses new ones (a partition), restore() lets them
// through again, retarget() points at a restarted apiserver's new address. The client
// keeps one address for its whole life, as it would behind a load balancer.
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private blocked = false;
  private port = 0;

  private constructor(private target: string) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = proxy.server.address();
    if (addr === null || typeof addr === "string") throw new Error("proxy has no TCP address");
    proxy.port = addr.port;
    return proxy;
  }

  /** host:port clients connect to. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    if (this.blocked) {
      client.destroy();
      return;
    }
    const [host = "127.0.0.1", port = "0"] = splitHostPort(this.target);
    const upstream = connect(Number(port), host);
    this.track(client);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
  }

  /** Resets every open connection and refuses new ones until restore(). */
  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.blocked = false;
  }

  /** Later connections go to `target` (e.g. a restarted apiserver). */
  retarget(target: string): void {
    this.target = target;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function splitHostPort(address: string): [string, string] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), address.slice(i + 1)];
}
