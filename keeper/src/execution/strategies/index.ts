export { ArbitrageStrategy, executionSlippageBps, type ArbitrageStrategyOptions } from "./arbitrage.js";
export {
  MarketMakingStrategy,
  type MarketMakingStrategyOptions,
  type MarketMakingResumeState,
} from "./marketMaking.js";
export { RebalanceStrategy, type RebalanceStrategyOptions } from "./rebalance.js";
export { readMarket, midOf, snapshotKey, abortableDelay, type ExecutionMarket, type MarketSource } from "./market.js";
export {
  STRATEGY_PLUGINS,
  arbitragePlugin,
  marketMakingPlugin,
  rebalancePlugin,
  type PluginContext,
  type StrategyPlugin,
} from "./plugin.js";
