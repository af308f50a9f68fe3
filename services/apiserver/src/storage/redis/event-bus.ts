// The NATS side of the Redis backend: publishes this store's committed writes on the
// store's subject and hands every message published by other store instances (other
// apiservers) to one callback. One connection and one subscription per store instance,
// shared by all of its watchers.
//
// NATS is a fast path, not the record: a message that is lost (publisher killed, NATS
// restarted, connection down) is recovered from the change log by the EventFeed. So a
// publish never fails a write, and nothing is published while the connection is down
// (the client would buffer it without bound, and the log has it anyway).

import { Events, connect, type NatsConnection, type Subscription } from "nats";
import { StoreUnavailableError } from "../errors.js";
import { redactUrl } from "./redact-url.js";
import type { StoreLogger } from "./store-logger.js";

const DRAIN_TIMEOUT_MS = 2_000;

export interface EventBusHandlers {
  /** A message from another store instance (this connection's own are not echoed). */
  readonly message: (data: Uint8Array) => void;
  /** The connection is back after an outage: messages may have been missed. */
  readonly reconnected: () => void;
}

export class EventBus {
  private connected = true;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly subscription: Subscription,
    private readonly subject: string,
    private readonly address: string,
    private readonly log: StoreLogger,
  ) {}

  /**
   * Connects, subscribes and waits until the server has the subscription, so that every
   * message published after this resolves is received. Rejects with
   * StoreUnavailableError when NATS cannot be reached.
   */
  static async open(
    url: string,
    subject: string,
    name: string,
    log: StoreLogger,
    handlers: EventBusHandlers,
  ): Promise<EventBus> {
    const address = redactUrl(url);
    let connection: NatsConnection;
    try {
      connection = await connect({
        servers: url,
        name,
        // This store delivers its own writes to its watchers when it acknowledges them.
        noEcho: true,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        maxPingOut: 2,
        timeout: 5_000,
      });
    } catch (error) {
      throw new StoreUnavailableError("nats", address, false, error);
    }
    const subscription = connection.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) {
          log.warn({ err: error, subject }, "NATS subscription error");
          return;
        }
        handlers.message(message.data);
      },
    });
    const bus = new EventBus(connection, subscription, subject, address, log);
    // Ends with the connection (the client's status iterator does not always end on
    // close, so close() waits for the connection instead).
    void bus.followStatus(handlers);
    try {
      await connection.flush();
    } catch (error) {
      await bus.close();
      throw new StoreUnavailableError("nats", address, false, error);
    }
    return bus;
  }

  /** Publishes unless the connection is down; never throws (see the file comment). */
  publish(data: Uint8Array): void {
    if (!this.connected || this.closing !== undefined) return;
    try {
      this.connection.publish(this.subject, data);
    } catch (error) {
      this.log.warn({ err: error, address: this.address }, "NATS publish failed");
    }
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscription.unsubscribe();
      if (this.connected) {
        let timer: NodeJS.Timeout | undefined;
        try {
          // Sends what was published before closing; bounded, in case the connection
          // is going down underneath.
          await Promise.race([
            this.connection.drain(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
            }),
          ]);
        } catch (error) {
          this.log.warn({ err: error, address: this.address }, "NATS drain failed; closing");
        } finally {
          clearTimeout(timer);
        }
      }
      // Also after a drain: if the connection dropped meanwhile, the client would go on
      // reconnecting; close() stops it (and, while disconnected, drain would never end).
      if (!this.connection.isClosed()) await this.connection.close();
      await this.connection.closed();
    })();
    return this.closing;
  }

  private async followStatus(handlers: EventBusHandlers): Promise<void> {
    try {
      for await (const status of this.connection.status()) {
        if (this.closing !== undefined) return;
        if (status.type === Events.Disconnect) {
          this.connected = false;
          this.log.warn({ address: this.address }, "NATS disconnected; following the change log");
        } else if (status.type === Events.Reconnect) {
          this.connected = true;
          this.log.info({ address: this.address }, "NATS reconnected");
          handlers.reconnected();
        }
      }
    } catch (error) {
      this.log.warn({ err: error, address: this.address }, "NATS status stream failed");
    }
  }
}
