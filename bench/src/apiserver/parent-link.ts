// The child's end of the pipe its parent (the benchmark) gives it on fd 3: JSON lines in
// both directions, and EOF means the parent is gone, so the child exits instead of
// lingering (Node has no parent-death signal).
import { Socket } from "node:net";
import { createInterface } from "node:readline";

export interface ParentLink {
  send(message: Record<string, unknown>): void;
  /** Each JSON line the parent sends. */
  onMessage(handler: (message: Record<string, unknown>) => void): void;
  /** Once, when the pipe closes or fails. */
  onGone(handler: () => void): void;
  close(): void;
}

export function openParentLink(fd = 3): ParentLink {
  const socket = new Socket({ fd, readable: true, writable: true });
  const lines = createInterface({ input: socket });
  let messageHandler: ((message: Record<string, unknown>) => void) | undefined;
  let goneHandler: (() => void) | undefined;
  let gone = false;
  const fire = (): void => {
    if (gone) return;
    gone = true;
    goneHandler?.();
  };
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    messageHandler?.(JSON.parse(line) as Record<string, unknown>);
  });
  socket.on("end", fire);
  socket.on("close", fire);
  socket.on("error", fire);
  return {
    send(message) {
      if (!gone) socket.write(`${JSON.stringify(message)}\n`);
    },
    onMessage(handler) {
      messageHandler = handler;
    },
    onGone(handler) {
      goneHandler = handler;
    },
    close() {
      gone = true;
      lines.close();
      socket.destroy();
    },
  };
}
