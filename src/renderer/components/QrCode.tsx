/**
 * A QR code as SVG elements (one path of dark modules), built with qrcode-generator. No inline
 * style and no injected markup: the page's CSP has no 'unsafe-inline'. Dark on white in both
 * colour schemes (scanners need the contrast), via presentation attributes.
 */
import qrcode from 'qrcode-generator';
import { useMemo } from 'react';

const MARGIN = 2;

/** The SVG path of `text`'s dark modules and the side length in modules, or null when too long for a QR code. */
export function qrPath(text: string): { d: string; size: number } | null {
  const qr = qrcode(0, 'M');
  try {
    qr.addData(text, 'Byte');
    qr.make();
  } catch {
    return null;
  }
  const n = qr.getModuleCount();
  let d = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.isDark(row, col)) d += `M${col + MARGIN} ${row + MARGIN}h1v1h-1z`;
    }
  }
  return { d, size: n + 2 * MARGIN };
}

/** Props of {@link QrCode}. */
export interface QrCodeProps {
  text: string;
  /** Accessible name, e.g. "QR code of the mesh secret". */
  label: string;
}

/** A QR code of `text` (or a note when it is too long for one). */
export function QrCode({ text, label }: QrCodeProps) {
  const qr = useMemo(() => qrPath(text), [text]);
  if (!qr) return <p className="hint">Too long for a QR code; copy it instead.</p>;
  return (
    <svg className="qr" viewBox={`0 0 ${qr.size} ${qr.size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width={qr.size} height={qr.size} fill="#ffffff" />
      <path d={qr.d} fill="#000000" />
    </svg>
  );
}
