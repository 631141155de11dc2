import type { Clock, Sleep } from "../budget.js";

/** A virtual clock whose `sleep` advances time instantly and records every wait. */
export function virtualTime(start = 1_700_000_000_000): {
  clock: Clock;
  sleep: Sleep;
  sleeps: number[];
  advance(ms: number): void;
} {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
      await Promise.resolve();
    },
    sleeps,
    advance(ms: number) {
      now += ms;
    },
  };
}
