// Changes in the cluster that may make an unschedulable pod schedulable. Each plugin says
// which of them could undo its rejections; the queue moves a pod back to scheduling only
// when an event one of its rejecting plugins cares about happens.
export const CLUSTER_EVENTS = [
  "NodeAdd",
  "NodeUpdate",
  "AssignedPodAdd",
  "AssignedPodUpdate",
  "AssignedPodDelete",
] as const;

export type ClusterEvent = (typeof CLUSTER_EVENTS)[number];
