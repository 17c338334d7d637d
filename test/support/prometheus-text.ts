// Reads Prometheus text format for tests, through a real parser (parse-prometheus-text-format),
// so that what the service serves is checked as a scraper would read it.
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

/** One sample of a counter or gauge, its value as a number (NaN stays NaN). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Parsed metrics, by family name. */
export class Scrape {
  readonly families: Map<string, ParsedFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  }

  /** The family `name`; throws when the text has no such family. */
  family(name: string): ParsedFamily {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric family ${name} in the scrape`);
    return f;
  }

  /** The samples of counter or gauge `name`. */
  samples(name: string): Sample[] {
    return this.family(name).metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
  }

  /** The value of the sample of `name` whose labels include `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.samples(name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  }

  /** The sum of every sample of `name`. */
  sum(name: string): number {
    return this.samples(name).reduce((a, s) => a + s.value, 0);
  }
}
