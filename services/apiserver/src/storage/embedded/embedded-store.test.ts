import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStoreConformance } from "../conformance/index.js";
import { openEmbeddedStore } from "./embedded-store.js";

runStoreConformance({
  name: "embedded (LMDB)",
  newLocation: () => mkdtemp(join(tmpdir(), "k8ts-store-")),
  removeLocation: (location) => rm(location, { recursive: true, force: true }),
  open: (location, options) => openEmbeddedStore({ dataDir: location, ...options }),
  childModule: new URL("./embedded-child-opener.js", import.meta.url),
});
