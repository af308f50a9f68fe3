// A small HTTP endpoint every component serves for supervisors and people: /healthz and
// /readyz answer 200 once the component's informers have synced (503 before), /statusz
// describes what the component sees as JSON (what is in it is the component's choice).
// Tests use /statusz to wait until a component has caught up with what they created.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What every component's /statusz holds at least. */
export interface ComponentStatus {
  /** The identity it campaigns for its Lease with. */
  readonly identity: string;
  /** Its informers have synced (it acts only from then on). */
  readonly synced: boolean;
  /** It holds its Lease (or runs without leader election). */
  readonly leading: boolean;
}

export class StatusServer<T extends ComponentStatus = ComponentStatus> {
  private readonly server: Server;

  constructor(private readonly status: () => T) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Listens on host:port (port 0 picks one); resolves with the bound "host:port". */
  async listen(address: string): Promise<string> {
    const colon = address.lastIndexOf(":");
    const host = colon < 0 ? "127.0.0.1" : address.slice(0, colon).replace(/^\[|\]$/g, "");
    const port = Number(colon < 0 ? address : address.slice(colon + 1));
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`${JSON.stringify(address)} is not host:port`);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const bound = this.server.address() as AddressInfo;
    return `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return this.send(res, 405, "text/plain", "method not allowed\n");
    const status = this.status();
    switch (path) {
      case "/healthz":
      case "/readyz":
        return status.synced
          ? this.send(res, 200, "text/plain", "ok\n")
          : this.send(res, 503, "text/plain", "informers not synced\n");
      case "/statusz":
        return this.send(res, 200, "application/json", `${JSON.stringify(status)}\n`);
      default:
        return this.send(res, 404, "text/plain", "not found\n");
    }
  }

  private send(res: ServerResponse, code: number, type: string, body: string): void {
    res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  }
}
