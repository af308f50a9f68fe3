// The seam between the kubelet's pod workers (which know which runtime container runs
// which container of which pod) and its Logs/Exec server (which streams them): the server
// asks the locator, and maps its errors to gRPC status codes once, at the edge.

/** A pod this kubelet runs has no such container, or no previous run of it, etc. */
export class ContainerNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerNotFoundError";
  }
}

/** The request is ambiguous or malformed (e.g. no container named in a multi-container pod). */
export class ContainerChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerChoiceError";
  }
}

/** The container exists but is not in a state that allows the operation (exec when not running). */
export class ContainerStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerStateError";
  }
}

export interface LocatedContainer {
  /** Runtime container id to read logs from or exec in. */
  readonly containerId: string;
  /** The container's name in the pod spec (resolved when the request named none). */
  readonly containerName: string;
  /** Whether the container is running now. */
  readonly running: boolean;
}

export interface PodLocator {
  /**
   * The runtime container behind container `container` ("" = the pod's only container;
   * init containers included) of pod `namespace/name` on this node: its current run, or with
   * `previous` the run before its last restart. Throws ContainerNotFoundError (no such pod
   * on this node, no such container, no previous run), ContainerChoiceError ("" but several
   * containers; the message lists them).
   */
  locate(namespace: string, name: string, container: string, previous: boolean): LocatedContainer;
}
