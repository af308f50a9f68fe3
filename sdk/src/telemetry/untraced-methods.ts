// gRPC methods that get no per-call span: a Watch stream lives for minutes to hours, so
// one span per stream is noise that also hides the stream's own work; the work a watch
// triggers is traced where it happens (each reconcile gets a span). The same holds for
// `logs -f` and interactive exec sessions: Pods.Logs and Pods.Exec, the kubelet's Logs
// and Exec they are proxied to, and the runtime's ContainerLogs and Exec behind those.
//
// instrumentation-grpc matches the method name alone ("Watch"), on both the client and
// the server side; the full path ("/k8ts.api.v1.Pods/Watch") is accepted too. This also
// covers grpc.health.v1.Health/Watch, another long-lived stream.
export function isLongLivedStream(method: string): boolean {
  return /(^|\/)(watch|logs|containerlogs|exec)$/i.test(method);
}
