export { garbageCollectorController, garbageCollectedKinds } from "./garbage-collector.js";
