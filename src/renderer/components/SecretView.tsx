/** A mesh secret on screen: the text (selectable), Copy and a QR code. */
import { CopyButton } from './CopyButton';
import { QrCode } from './QrCode';

/** Shows `secret`; `label` names it ("New mesh secret"). */
export function SecretView({ secret, label }: { secret: string; label: string }) {
  return (
    <figure className="secret" aria-label={label}>
      <div className="secret-text-row">
        <code className="secret-text">{secret}</code>
        <CopyButton text={secret} what={label.toLowerCase()} />
      </div>
      <QrCode text={secret} label={`QR code of the ${label.toLowerCase()}`} />
    </figure>
  );
}
