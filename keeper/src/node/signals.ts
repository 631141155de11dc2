/**
 * How a long-running command (`keeper run`, `keeper audit`, `keeper verifier`) stops: the first SIGINT or SIGTERM runs
 * its `stop` once (runs aborted, campaigns settled, capital repaid, journal closed), and the handlers stay installed
 * until that stop is done, so a signal arriving meanwhile cannot end the process half-way with Node's default action.
 * Launchers send more than one: `npm start` signals each keeper's process group, so the keeper gets SIGTERM from it
 * and again from the `tsx` wrapper, which relays signals to its child. A repeated SIGINT (Ctrl-C at a terminal) says
 * on stderr that the stop is still running; SIGKILL ends it at once (the journal makes that safe: the next start
 * recovers).
 */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const done = () => process.off("SIGINT", handler).off("SIGTERM", handler);
    function handler(signal: NodeJS.Signals): void {
      if (stopping) {
        if (signal === "SIGINT")
          process.stderr.write("keeper: still stopping (finishing campaigns and repayments); SIGKILL aborts\n");
        return;
      }
      stopping = true;
      stop().then(
        () => {
          done();
          resolve();
        },
        (err: unknown) => {
          done();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }
    process.on("SIGINT", handler).on("SIGTERM", handler);
  });
}
