/** Every `cloudroof` command, in the order `--help` lists them. */
import type { CommandSpec } from '../command';
import { bugreportCommand } from './bugreport';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor';
import { edgeCommand } from './edge';
import { edgesCommand } from './edges';
import { exposeCommand } from './expose';
import { initCommand } from './init';
import { joinCommand } from './join';
import { leaveCommand } from './leave';
import { logsCommand } from './logs';
import { peersCommand } from './peers';
import { routesCommand } from './routes';
import { secretCommand } from './secret';
import { setCommand } from './set';
import { statusCommand } from './status';
import { versionCommand } from './version';
import { watchCommand } from './watch';
import { webCommand } from './web';

/** The command table. */
export const commands: readonly CommandSpec[] = [
  initCommand, joinCommand, leaveCommand, statusCommand, peersCommand, routesCommand, exposeCommand, edgeCommand, edgesCommand, setCommand, secretCommand, webCommand, watchCommand, logsCommand, bugreportCommand, versionCommand, doctorCommand, demoCommand,
];

/** Looks a command up by name. */
export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((c) => c.name === name);
}
