import { KeeperError } from "../errors.js";

/**
 * A broken contract between the engine and its caller (for example a run result for a run the engine never
 * started). Bad parameters are not this: they raise `ConfigError` from `parseEngineParameters`.
 */
export class EngineError extends KeeperError {
  override name = "EngineError";
}
