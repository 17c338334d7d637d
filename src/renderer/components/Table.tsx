/** A data table with a caption and an empty state. */
import type { ReactNode } from 'react';

/** One column of a {@link Table}. */
export interface Column<R> {
  header: string;
  cell: (row: R) => ReactNode;
  /** Extra class of the column's cells (`num` aligns right). */
  className?: string;
}

/** Props of {@link Table}. */
export interface TableProps<R> {
  /** Names the table for assistive technology (visually hidden). */
  caption: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  /** Shown instead of the table when there are no rows. */
  empty: ReactNode;
  /** Extra class of a row (e.g. a highlighted one). */
  rowClassName?: (row: R) => string | undefined;
}

/** A table, or its empty state. */
export function Table<R>({ caption, columns, rows, rowKey, empty, rowClassName }: TableProps<R>) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>{columns.map((c) => <th key={c.header} scope="col" className={c.className}>{c.header}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((c) => <td key={c.header} className={c.className}>{c.cell(row)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
