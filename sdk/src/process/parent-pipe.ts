// The pipe a supervisor (k8ts up) gives each child on an extra fd: the child reports
// readiness (and the ports it bound) as one JSON line, and exits when the pipe closes,
// because Node has no parent-death signal and an orphaned server must not linger.
import { Socket } from "node:net";

export interface ParentPipe {
  /** Reports readiness to the supervisor: one JSON line. */
  ready(info: Record<string, unknown>): void;
  /** Called once when the supervisor goes away (EOF or error on the pipe). */
  onParentGone(callback: () => void): void;
  close(): void;
}

export function openParentPipe(fd: number): ParentPipe {
  const socket = new Socket({ fd, readable: true, writable: true });
  let gone: (() => void) | undefined;
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    gone?.();
  };
  socket.on("end", fire);
  socket.on("close", fire);
  socket.on("error", fire);
  socket.resume();
  return {
    ready(info) {
      socket.write(`${JSON.stringify({ ready: true, ...info })}\n`);
    },
    onParentGone(callback) {
      gone = callback;
    },
    close() {
      socket.removeAllListeners();
      socket.destroy();
    },
  };
}
