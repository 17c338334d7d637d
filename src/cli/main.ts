/** Entry point of the `cloudroof` command (bundled to dist/cloudroof.js). */
import { processIo } from './io';
import { run } from './run';

process.exitCode = await run(process.argv.slice(2), processIo());
