// Types of the parse-prometheus-text-format package (it ships none): families as it returns them.
declare module 'parse-prometheus-text-format' {
  /** One sample: counters, gauges and untyped metrics carry `value`; histograms and summaries the rest. */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One metric family. `type` is upper case (COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED). */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: string;
    metrics: ParsedSample[];
  }
  function parsePrometheusTextFormat(text: string): ParsedFamily[];
  export default parsePrometheusTextFormat;
}
