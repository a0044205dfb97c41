import type { Logger } from '../log.ts';
import type { StopReport, Supervisor } from './supervisor.ts';

export interface ShutdownOutcome {
  signal: NodeJS.Signals;
  report: StopReport;
}

/**
 * Wires process signals to an orderly stop: on the first SIGTERM or SIGINT, run `beforeStop`
 * (stop polling and discovery), then `supervisor.stop()` with whatever is left of `budgetMs`.
 * Repeated signals are logged and ignored (the handlers stay installed), so ECS's SIGTERM plus a
 * Ctrl-C cannot cut Prometheus's flush short.
 * Also SIGKILLs any child still alive if this process exits some other way.
 * Resolves once everything has stopped; the caller decides the exit code.
 */
export function stopOnSignals(options: {
  /** The supervisor, or anything that stops the same way (the appliance, which owns a supervisor). */
  supervisor: Pick<Supervisor, 'stop' | 'killAll'>;
  logger: Logger;
  budgetMs: number;
  beforeStop?: () => Promise<void> | void;
  signals?: NodeJS.Signals[];
}): Promise<ShutdownOutcome> {
  const { supervisor, logger, budgetMs } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  process.once('exit', () => supervisor.killAll());
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal, first: received }, 'already stopping; signal ignored');
        return;
      }
      received = signal;
      const began = Date.now();
      logger.info({ signal, budgetMs }, 'shutting down');
      void (async () => {
        try {
          await options.beforeStop?.();
        } catch (error) {
          logger.error({ error: (error as Error).message }, 'stopping polling and discovery failed; stopping components anyway');
        }
        const report = await supervisor.stop(Math.max(0, budgetMs - (Date.now() - began)));
        // The whole stop, polling and discovery included, not only the components' part.
        resolve({ signal, report: { ...report, durationMs: Date.now() - began } });
      })();
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
