// Filled in by the package's modules.
export {};
