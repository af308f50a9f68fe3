// The documented accept-with-warning list: Kubernetes fields that commonly appear in
// manifests (often copied from `kubectl get -o yaml`) which k8ts does not implement and
// which change nothing about how a workload runs here. They are accepted, dropped, and
// reported back as warnings (the CLI prints them). Anything not on this list that the
// model lacks is an error: a silently dropped field is a bug report waiting to happen.
// Keep docs/manifests.md in step with this table.

const IGNORED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "k8ts.api.v1.ObjectMeta": {
    managedFields: "server-side apply field tracking is not supported",
    selfLink: "deprecated in Kubernetes and not served by k8ts",
  },
  "k8ts.api.v1.PodSpec": {
    dnsPolicy: "k8ts has no cluster DNS policy to choose",
    securityContext: "pod security contexts are not supported",
    serviceAccount: "service accounts are not supported",
    serviceAccountName: "service accounts are not supported",
    automountServiceAccountToken: "service accounts are not supported",
    enableServiceLinks: "service environment variables are not injected",
    imagePullSecrets: "registry credentials are not supported",
    priorityClassName: "pod priority is not supported",
  },
  "k8ts.api.v1.Container": {
    terminationMessagePath: "termination messages are not supported",
    terminationMessagePolicy: "termination messages are not supported",
    securityContext: "container security contexts are not supported",
  },
  "k8ts.api.v1.ServiceSpec": {
    internalTrafficPolicy: "every endpoint is used; traffic policies are not supported",
    ipFamilies: "k8ts services are IPv4",
    ipFamilyPolicy: "k8ts services are IPv4",
  },
};

/** Why `field` of message `typeName` is accepted and ignored, or undefined if it is not. */
export function ignoredField(typeName: string, field: string): string | undefined {
  return IGNORED[typeName]?.[field];
}

/** The whole list, for documentation and tests. */
export function ignoredFields(): ReadonlyArray<{
  typeName: string;
  field: string;
  reason: string;
}> {
  return Object.entries(IGNORED).flatMap(([typeName, fields]) =>
    Object.entries(fields).map(([field, reason]) => ({ typeName, field, reason })),
  );
}
