#!/usr/bin/env node
// The `k8ts` executable.
import { registerUp } from "./commands/up.js";
import { processIo } from "./io.js";
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv.slice(2), processIo(), [registerUp]);
