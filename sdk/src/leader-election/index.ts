export * from "./leader-elector.js";
export * from "./lead-while-elected.js";
