// The flags every plugin executable accepts (runtimes/* and cni/*), so `k8ts up`, the
// kubelet's operators and `k8ts conformance --plugin` start any plugin the same way:
//   PLUGIN --node-name NODE --socket /run/k8ts/NODE/runtime.sock --state-dir DIR
// Plugins add their own flags next to these.

/** --node-name, --socket and --state-dir, with env equivalents under `envPrefix`. */
export function pluginFlags(envPrefix: string) {
  return {
    "node-name": {
      kind: "string",
      default: "",
      env: `${envPrefix}_NODE_NAME`,
      description: "the node this plugin serves (required); it sees only this node's objects",
    },
    socket: {
      kind: "string",
      default: "",
      env: `${envPrefix}_SOCKET`,
      description: "unix socket to serve on (unix:///PATH or /PATH, at most 107 bytes; required)",
    },
    "state-dir": {
      kind: "string",
      default: "",
      env: `${envPrefix}_STATE_DIR`,
      description: "directory for the plugin's state, kept across restarts (required)",
    },
  } as const;
}
