/**
 * Market scenarios: one seeded fair-price path per market (GBM with drift, volatility and
 * compound-Poisson jumps), each venue's mid derived from it (constant offset plus scripted gaps), and
 * a background liquidity maker per venue that re-quotes a ladder around that mid on every step.
 */
import { ConfigError } from "../errors.js";
import { Exchange } from "./engine.js";
import { floatToUnits, formatUnits, parseUnits } from "./money.js";
import { Prng } from "./prng.js";
import type { Scenario, VenueConfig } from "./scenario.js";

/** The account of each venue's background liquidity maker. */
export const MAKER_ACCOUNT = "__maker__";
/** The account of each venue's background taker flow. */
export const TAKER_ACCOUNT = "__taker__";

const YEAR_MS = 365 * 86_400_000;
const DAY_MS = 86_400_000;

export interface SimVenue {
  config: VenueConfig;
  exchange: Exchange;
}

/** Knuth's Poisson sampler (fine for the small means used per step). */
function poisson(rng: Prng, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

export class Simulation {
  readonly scenario: Scenario;
  readonly venues = new Map<string, SimVenue>();
  private readonly logPrices = new Map<string, number>();
  private readonly rngs = new Map<string, Prng>();
  private readonly flowRngs = new Map<string, Prng>();
  private stepIndex = 0;

  constructor(scenario: Scenario, opts: { now?: () => number } = {}) {
    this.scenario = scenario;
    for (const m of scenario.markets) {
      const symbol = `${m.base}/${m.quote}`;
      this.logPrices.set(symbol, Math.log(m.initialPrice));
      this.rngs.set(symbol, new Prng(scenario.seed, `path:${symbol}`));
    }
    for (const config of scenario.venues) {
      const exchange = new Exchange({
        name: config.name,
        assets: scenario.assets,
        markets: scenario.markets,
        makerFeePpm: Math.round(config.makerFeeBps * 100),
        takerFeePpm: Math.round(config.takerFeeBps * 100),
        now: opts.now,
        clientOrderIdScope: config.clientOrderIdScope,
      });
      for (const a of scenario.accounts)
        for (const [asset, amount] of Object.entries(a.balances)) exchange.deposit(a.name, asset, amount);
      this.venues.set(config.name, { config, exchange });
      for (const [symbol, flow] of Object.entries(config.flow)) {
        const m = exchange.market(symbol);
        for (const q of [flow.qtyMin, flow.qtyMax])
          if (parseUnits(q, m.qtyDecimals) === undefined)
            throw new ConfigError(`${config.name} ${symbol}: flow size ${q} finer than step ${m.stepSize}`);
      }
    }
    this.refill();
  }

  get step(): number {
    return this.stepIndex;
  }

  venue(name: string): SimVenue {
    const v = this.venues.get(name);
    if (!v) throw new ConfigError(`unknown venue ${name}`);
    return v;
  }

  /** The market's fair price at the current step. */
  fairPrice(symbol: string): number {
    const lp = this.logPrices.get(symbol);
    if (lp === undefined) throw new ConfigError(`unknown market ${symbol}`);
    return Math.exp(lp);
  }

  /** Offset plus active scripted gaps of `venue` on `symbol` at `step` (bps). */
  gapBps(venue: string, symbol: string, step = this.stepIndex): number {
    const c = this.venue(venue).config;
    let bps = c.priceOffsetBps;
    for (const g of c.gaps) {
      if (g.market !== symbol) continue;
      const s = g.repeatEvery === undefined ? step : step % g.repeatEvery;
      if (s >= g.fromStep && s < g.toStep) bps += g.bps;
    }
    return bps;
  }

  /** The mid around which `venue`'s background maker quotes `symbol`. */
  venueMid(venue: string, symbol: string): number {
    return this.fairPrice(symbol) * (1 + this.gapBps(venue, symbol) / 10_000);
  }

  /** Advances every price path by `steps` and re-quotes the background liquidity after each step. */
  advance(steps = 1): void {
    const dtYears = this.scenario.stepMs / YEAR_MS;
    const jumpChance = (perDay: number): number => perDay * (this.scenario.stepMs / DAY_MS);
    for (let i = 0; i < steps; i++) {
      for (const m of this.scenario.markets) {
        const symbol = `${m.base}/${m.quote}`;
        const rng = this.rngs.get(symbol)!;
        let lp = this.logPrices.get(symbol)!;
        lp +=
          (m.drift - (m.volatility * m.volatility) / 2) * dtYears + m.volatility * Math.sqrt(dtYears) * rng.normal();
        if (rng.chance(jumpChance(m.jumps.perDay))) lp += (m.jumps.meanBps + m.jumps.stdBps * rng.normal()) / 10_000;
        this.logPrices.set(symbol, lp);
      }
      this.stepIndex++;
      this.refill();
      this.takerFlow();
    }
  }

  /** Background takers: a seeded Poisson number of market orders per venue and market. */
  private takerFlow(): void {
    for (const [name, v] of this.venues) {
      for (const [symbol, flow] of Object.entries(v.config.flow)) {
        const key = `${name}:${symbol}`;
        let rng = this.flowRngs.get(key);
        if (!rng) this.flowRngs.set(key, (rng = new Prng(this.scenario.seed, `flow:${key}`)));
        const ex = v.exchange;
        const m = ex.market(symbol);
        const lo = parseUnits(flow.qtyMin, m.qtyDecimals);
        const hi = parseUnits(flow.qtyMax, m.qtyDecimals);
        if (lo === undefined || hi === undefined)
          throw new ConfigError(`${key}: flow sizes finer than step ${m.stepSize}`);
        for (let n = poisson(rng, flow.ordersPerStep); n > 0; n--) {
          const side = rng.next() < 0.5 ? "BUY" : "SELL";
          const raw = lo + BigInt(Math.floor(rng.next() * Number(hi - lo + 1n)));
          const qty = raw - (raw % m.step);
          if (qty < m.minQty) continue;
          const best = side === "BUY" ? ex.bestAsk(symbol) : ex.bestBid(symbol);
          if (!best) continue;
          // Fund generously (a deposit, so conservation holds) and cap the walk at 2 % from the touch.
          const asset = side === "BUY" ? m.quote : m.base;
          const need = side === "BUY" ? best.price * 2n * qty * m.notionalUnit : qty * m.baseUnit;
          if (ex.balance(TAKER_ACCOUNT, asset.code).free < need) ex.deposit(TAKER_ACCOUNT, asset.code, need * 100n);
          const limit = side === "BUY" ? (best.price * 102n) / 100n : (best.price * 98n) / 100n;
          ex.placeOrder({
            account: TAKER_ACCOUNT,
            symbol,
            side,
            type: "LIMIT",
            timeInForce: "IOC",
            price: formatUnits(limit - (limit % m.tick), m.priceDecimals),
            quantity: formatUnits(qty, m.qtyDecimals),
          });
        }
      }
    }
  }

  /** Cancels each background maker's orders and posts a fresh ladder around the venue's mid. */
  refill(): void {
    for (const [name, v] of this.venues) {
      for (const [symbol, liq] of Object.entries(v.config.liquidity)) {
        const ex = v.exchange;
        const m = ex.market(symbol);
        ex.cancelAll(MAKER_ACCOUNT, symbol);
        const mid = this.venueMid(name, symbol);
        const q0 = parseUnits(liq.qtyPerLevel, m.qtyDecimals);
        if (q0 === undefined) throw new ConfigError(`${name} ${symbol}: qtyPerLevel finer than step ${m.stepSize}`);
        const ladder: { side: "BUY" | "SELL"; price: bigint; qty: bigint }[] = [];
        let needBase = 0n;
        let needQuote = 0n;
        for (let i = 0; i < liq.levels; i++) {
          const off = (liq.halfSpreadBps + i * liq.spacingBps) / 10_000;
          const bid = floatToUnits(mid * (1 - off), m.priceDecimals, "down");
          const ask = floatToUnits(mid * (1 + off), m.priceDecimals, "up");
          const bidP = bid - (bid % m.tick);
          const askP = ask % m.tick === 0n ? ask : ask + m.tick - (ask % m.tick);
          const raw = BigInt(Math.floor(Number(q0) * (1 + liq.growth) ** i));
          const qty = raw - (raw % m.step);
          if (qty <= 0n) continue;
          if (bidP > 0n) ladder.push({ side: "BUY", price: bidP, qty });
          ladder.push({ side: "SELL", price: askP, qty });
          needBase += qty * m.baseUnit;
          needQuote += (bidP > 0n ? bidP : 0n) * qty * m.notionalUnit;
        }
        // The background maker is an unlimited liquidity source: top it up (as a deposit, so the
        // exchange's conservation identity still holds) whenever it runs low.
        if (ex.balance(MAKER_ACCOUNT, m.base.code).free < needBase * 2n)
          ex.deposit(MAKER_ACCOUNT, m.base.code, needBase * 10n);
        if (ex.balance(MAKER_ACCOUNT, m.quote.code).free < needQuote * 2n)
          ex.deposit(MAKER_ACCOUNT, m.quote.code, needQuote * 10n);
        // Post from the inside out so price-time priority matches the ladder.
        for (const o of ladder)
          ex.placeOrder({
            account: MAKER_ACCOUNT,
            symbol,
            side: o.side,
            type: "LIMIT",
            price: formatUnits(o.price, m.priceDecimals),
            quantity: formatUnits(o.qty, m.qtyDecimals),
            clientOrderId: `maker-${this.stepIndex}-${o.side}-${o.price}`,
          });
      }
    }
  }
}
