import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';

/** How long a leftover gets to exit on SIGTERM before SIGKILL. */
const LEFTOVER_GRACE_MS = 5_000;

/** What a component's pid file holds: its pid, then the program it runs. */
export function pidFileText(pid: number, command: string): string {
  return `${pid}\n${command}\n`;
}

/**
 * Ends the components a previous run in this data directory left running (its supervisor was
 * killed before it could stop them), so they do not hold the ports the new ones need. A pid is
 * only signalled while it still runs the program its pid file names: pids are reused.
 */
export async function endLeftovers(runDir: string, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(runDir)).filter((name) => name.endsWith('.pid'));
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const file = join(runDir, name);
      const [pidText, command] = (await readFile(file, 'utf8').catch(() => '')).split('\n');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 1 && command && (await runs(pid, command))) {
        logger.warn({ component: name.slice(0, -'.pid'.length), pid, command }, 'a previous run left this component running; stopping it');
        await stop(pid, command);
      }
      await rm(file, { force: true });
    }),
  );
}

/** Whether `pid` is alive and runs `command` (its argv[0], as execa passed it). */
async function runs(pid: number, command: string): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] === command;
  } catch {
    return false;
  }
}

async function stop(pid: number, command: string): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  while (Date.now() < deadline) {
    if (!(await runs(pid, command))) return;
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}
