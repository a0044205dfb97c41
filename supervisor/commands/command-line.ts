import process from 'node:process';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What parseArgs gives for `config`. */
export type CommandLine<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * The commands' shared handling of their arguments: `--help` prints the usage (exit 0); a usage
 * error prints what is wrong, then the usage, to stderr (exit 2). A number is that exit status;
 * anything else is the parsed command line.
 */
export function readCommandLine<T extends ParseArgsConfig>(command: string, usage: string, config: T): CommandLine<T> | number {
  let parsed: CommandLine<T>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    process.stderr.write(`ecs-appliance ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed;
}
