/**
 * A minimal `run`-like entry for tests: supervises the components described by the settings file
 * (argv[2]), prints `{"pids":[…]}` on stdout once all are ready, and stops on SIGTERM/SIGINT.
 * With argv[3] === 'crash' it throws once ready instead, to show children die with it.
 * Logs go to stderr so stdout carries only the pid line.
 */
import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { createLogger } from '../../supervisor/log.ts';
import { stopOnSignals } from '../../supervisor/processes/shutdown.ts';
import { componentSpecs, type ComponentSettings } from '../../supervisor/processes/specs.ts';
import { Supervisor } from '../../supervisor/processes/supervisor.ts';
import { fastTimings } from './fixtures.ts';

const settings = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as ComponentSettings;
const logger = createLogger({ level: 'info', destination: process.stderr });
const supervisor = new Supervisor({ specs: componentSpecs(settings), logger, registry: new Registry(), timings: fastTimings });
const stopped = stopOnSignals({ stoppable: supervisor, logger, budgetMs: 10_000 });
supervisor.start();
if (!(await supervisor.waitReady(30_000))) throw new Error(`not ready: ${JSON.stringify(supervisor.status())}`);
process.stdout.write(`${JSON.stringify({ pids: supervisor.components.map((c) => c.pid) })}\n`);
if (process.argv[3] === 'crash') throw new Error('deliberate crash after start');
const { report } = await stopped;
process.exit(report.steps.some((step) => step.forced) ? 1 : 0);
