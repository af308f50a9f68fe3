// What the controller-manager's /statusz reports (see StatusServer in the SDK).
import type { ComponentStatus } from "@k8ts/sdk";

export interface ControllerManagerStatus extends ComponentStatus {
  /** The enabled controllers. */
  readonly enabled: readonly string[];
  /** Leadership terms this process has run controllers in. */
  readonly terms: number;
  /** Per running controller (only while leading), its counters. */
  readonly controllers: Readonly<Record<string, Readonly<Record<string, number>>>>;
}
