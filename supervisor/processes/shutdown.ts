import type { Logger } from '../log.ts';
import type { StopReport } from '../lifecycle.ts';
import type { Supervisor } from './supervisor.ts';

export interface ShutdownOutcome {
  signal: NodeJS.Signals;
  report: StopReport;
}

/**
 * Wires process signals to an orderly stop: on the first SIGTERM or SIGINT, `stoppable.stop(budgetMs)`.
 * Repeated signals are logged and ignored (the handlers stay installed), so ECS's SIGTERM plus a
 * Ctrl-C cannot cut Prometheus's flush short.
 * Also SIGKILLs any child still alive if this process exits some other way.
 * Resolves once everything has stopped; the caller decides the exit code.
 */
export function stopOnSignals(options: {
  /** The supervisor, or anything that stops the same way (the appliance, whose parts include a supervisor). */
  stoppable: Pick<Supervisor, 'stop' | 'killAll'>;
  logger: Logger;
  budgetMs: number;
  signals?: NodeJS.Signals[];
}): Promise<ShutdownOutcome> {
  const { stoppable, logger, budgetMs } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  process.once('exit', () => stoppable.killAll());
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal, first: received }, 'already stopping; signal ignored');
        return;
      }
      received = signal;
      logger.info({ signal, budgetMs }, 'shutting down');
      void stoppable.stop(budgetMs).then((report) => resolve({ signal, report }));
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
