export {
  ConfigFileError,
  ContextNotFoundError,
  EMPTY_CONFIG,
  configPath,
  deleteContext,
  findContext,
  formatConfig,
  loadConfig,
  parseConfig,
  saveConfig,
  setContext,
  useContext,
} from "./config-file.js";
export type { CliConfig, ContextEntry, ContextSettings } from "./config-file.js";
export { DEFAULT_NAMESPACE, DEFAULT_SERVER, resolveConnection } from "./connection.js";
export type { Connection, ConnectionFlags } from "./connection.js";
