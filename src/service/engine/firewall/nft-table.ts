/**
 * One nftables table owned by this project (`inet <name>`), managed as a whole: its complete
 * text is loaded with `nft -f -`, which applies a file as one transaction, so the ruleset is
 * never seen half-replaced, and nobody else's tables are ever touched.
 */
import { CommandError, type CommandRunner } from '../exec';

/**
 * Lines that delete `table` whether or not it exists: declaring an empty table is a no-op
 * when it exists, so the delete never fails (`destroy table` needs nftables ≥ 1.0.8).
 */
export function dropTableLines(table: string): string[] {
  return [`table inet ${table} {}`, `delete table inet ${table}`];
}

/** Loads, removes and lists one `inet` table. */
export class NftTable {
  constructor(private readonly runner: CommandRunner, readonly name: string) {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(name)) throw new Error(`invalid nftables table name ${JSON.stringify(name)}`);
  }

  /** Loads `text` (which should start with {@link dropTableLines}) as one transaction. */
  async load(text: string): Promise<void> {
    await this.runner.run(['nft', '-f', '-'], { input: text });
  }

  /** Deletes the table; succeeds when there is none. */
  async remove(): Promise<void> {
    await this.load(dropTableLines(this.name).join('\n') + '\n');
  }

  /** The table as nft prints it, or null when there is none. */
  async current(): Promise<string | null> {
    try {
      return (await this.runner.run(['nft', 'list', 'table', 'inet', this.name])).stdout;
    } catch (e) {
      if (e instanceof CommandError && /No such file or directory/.test(e.stderr)) return null;
      throw e;
    }
  }
}
