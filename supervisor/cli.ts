#!/usr/bin/env node
import process from 'node:process';
import { createLogger } from './log.ts';

/**
 * The `ecs-appliance` command line. Each command lives with the module it drives and exports
 * `main(argv): Promise<number>` (the exit code); modules are loaded lazily so `discover` does not
 * pay for Grafana templates and `proxy` does not load the ECS SDK.
 */
type CommandModule = { main(argv: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  run: { summary: 'run the appliance: config polling, Prometheus, Alertmanager, Grafana, node-exporter, discovery, AMP proxy', load: () => import('./commands/run.ts') },
  demo: { summary: 'run the whole appliance locally against a fake AWS and demo exporters (no Docker, no AWS)', load: () => import('./commands/demo.ts') },
  discover: { summary: 'find ECS containers to scrape and write Prometheus file_sd targets', load: () => import('./commands/discover.ts') },
  proxy: { summary: 'run the SigV4 signing proxy for AMP remote_write and queries on its own', load: () => import('./commands/proxy.ts') },
  check: { summary: 'validate a config bundle (schema, render, promtool, amtool) without running anything', load: () => import('./commands/check.ts') },
  render: { summary: 'write the Prometheus/Alertmanager/Grafana files a config bundle would produce', load: () => import('./commands/render.ts') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: ecs-appliance <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'ecs-appliance <command> --help' for a command's options.\n`;
}

async function cli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`ecs-appliance: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).main(rest);
}

// Runtime warnings (deprecations, the SDK's Node version notice) join the JSON log on stderr
// instead of breaking it with free text.
process.removeAllListeners('warning');
const warnings = createLogger({ destination: process.stderr }).child({ component: 'node' });
process.on('warning', (warning) => warnings.warn({ warning: warning.name }, warning.message));

cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ecs-appliance: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
