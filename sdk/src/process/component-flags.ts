// Flags every control-plane component shares (scheduler, controller-manager, and the
// components to come): how to reach the apiserver, leader election, and how a supervisor
// runs it. Each component spreads these into its own flag table.
import { FlagError } from "./flags.js";

/** --server and --token. */
export function apiserverFlags() {
  return {
    server: {
      kind: "string",
      default: "127.0.0.1:6443",
      env: "K8TS_SERVER",
      description: "host:port of the apiserver",
    },
    token: {
      kind: "string",
      default: "",
      env: "K8TS_TOKEN",
      description: "bearer token for the apiserver",
    },
  } as const;
}

/** --leader-elect and its timing, for the Lease `lease` ("kube-system/k8ts-scheduler"). */
export function leaderElectionFlags(lease: string, work: string) {
  return {
    // A string, not a boolean: the SDK's boolean flags cannot be turned off on the command
    // line, and kube-* users write --leader-elect=false.
    "leader-elect": {
      kind: "string",
      default: "true",
      env: "K8TS_LEADER_ELECT",
      description: `true: ${work} only while holding the Lease ${lease}; false: always`,
    },
    "lease-duration": {
      kind: "duration",
      default: "15s",
      env: "K8TS_LEASE_DURATION",
      description: "how long standbys wait after the Lease last changed before taking it",
    },
    "renew-deadline": {
      kind: "duration",
      default: "10s",
      env: "K8TS_RENEW_DEADLINE",
      description: "how long the leader tries to renew before it stops",
    },
    "retry-period": {
      kind: "duration",
      default: "2s",
      env: "K8TS_RETRY_PERIOD",
      description: "interval of renewals and of attempts to acquire the Lease",
    },
  } as const;
}

/** --status-listen (its env var named by the component), --ready-fd and --log-level. */
export function supervisionFlags(statusListenEnv: string) {
  return {
    "status-listen": {
      kind: "string",
      default: "",
      env: statusListenEnv,
      description:
        "host:port of the HTTP status endpoint (/healthz, /statusz); port 0 picks one; empty: off",
    },
    "ready-fd": {
      kind: "int",
      default: -1,
      env: "K8TS_READY_FD",
      description:
        "fd of the supervisor's pipe: readiness is reported on it, and its EOF stops the process",
    },
    "log-level": {
      kind: "string",
      default: "info",
      env: "K8TS_LOG_LEVEL",
      description: "trace, debug, info, warn, error",
    },
  } as const;
}

/** Refuses timings with which a leader could lose its Lease while still acting. */
export function checkLeaderElectionTiming(flags: {
  readonly "lease-duration": number;
  readonly "renew-deadline": number;
  readonly "retry-period": number;
}): void {
  if (
    flags["lease-duration"] <= flags["renew-deadline"] ||
    flags["renew-deadline"] <= flags["retry-period"] * 1.2
  )
    throw new FlagError(
      "need --lease-duration > --renew-deadline > 1.2 x --retry-period (defaults 15s, 10s, 2s)",
    );
}
