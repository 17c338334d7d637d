/** The CLI's own version (from package.json, inlined by the bundler). */
import { version } from '../../package.json';

/** Version of this `cloudroof` build. */
export const CLI_VERSION: string = version;
