/** Label/value pairs as a description list; a missing value shows as a dash. */
import type { ReactNode } from 'react';

/** One row: a label and its value (undefined → "—"). */
export type KeyValue = readonly [label: string, value: ReactNode];

/** A <dl> of the pairs. */
export function KeyValueList({ items }: { items: readonly KeyValue[] }) {
  return (
    <dl className="kv">
      {items.map(([label, value]) => (
        <div key={label} className="kv-row">
          <dt>{label}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
