// @k8ts/runtime-mock: the mock runtime plugin's parts, for tests and tools that embed it.
// The executable is main.ts (k8ts-runtime-mock).
export { MockRuntime } from "./mock-runtime.js";
export type { MockRuntimeOptions } from "./mock-runtime.js";
export { programFor, parseScript } from "./shell-script.js";
export type { ShellProgram } from "./shell-script.js";
export { initialShellState, runUntilBlocked } from "./shell-interpreter.js";
export type { ShellState, ShellStep } from "./shell-interpreter.js";
