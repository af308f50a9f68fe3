// `make up` entry point. The cluster components (apiserver, controllers, kubelet) land
// in the issues after Foundation 1/3; until then this says so plainly instead of
// pretending to start something.
console.error(
  [
    "k8ts: no cluster to start yet.",
    "This checkout has the API model, the manifest codec and the embedded store;",
    "the apiserver and `k8ts up` arrive with Foundation 2/3 and 3/3.",
    "Try `make test` to see what works today.",
  ].join("\n"),
);
process.exit(1);
