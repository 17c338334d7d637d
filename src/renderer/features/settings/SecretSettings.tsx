/**
 * The mesh secret: shown only after the user confirms (then service.revealSecret, with Copy and
 * a QR code; hidden again by Hide or on leaving the screen, as it lives in this component's state
 * only), and rotated after an explanation (a new token joined with `switch: true`, then shown so
 * it can be taken to every other node).
 */
import { useState } from 'react';
import { generateSecretToken } from '../../../shared/mesh/secret';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { SecretView } from '../../components/SecretView';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { useAppStore } from '../../store/use-app-store';

type Shown = { kind: 'current' | 'rotated'; secret: string };

/** The "Mesh secret" card. */
export function SecretSettings() {
  const { api, store } = useRuntime();
  const inMesh = useAppStore((s) => s.status?.networkId !== undefined);
  const [asking, setAsking] = useState<'reveal' | 'rotate' | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const reveal = useAction(() => api.service.revealSecret({ confirm: true }));
  const rotate = useAction((secret: string) => api.service.join({ secret, switch: true }));
  const confirmReveal = async (): Promise<void> => {
    const result = await reveal.run();
    if (!result?.ok) return;
    setShown({ kind: 'current', secret: result.value.secret });
    setAsking(null);
  };
  const confirmRotate = async (): Promise<void> => {
    const secret = generateSecretToken();
    const result = await rotate.run(secret);
    if (!result?.ok) return;
    store.getState().applyStatus(result.value);
    setShown({ kind: 'rotated', secret });
    setAsking(null);
  };
  const close = (): void => { reveal.reset(); rotate.reset(); setAsking(null); };
  return (
    <Card title="Mesh secret">
      <p>Every node that has the secret can join this mesh.</p>
      {shown && (
        <div className="stack">
          {shown.kind === 'rotated' && <p><strong>This node is now in the mesh of this new secret.</strong> Join every other node with it (Join a mesh → Switch, or <code>cloudroof join --switch</code>).</p>}
          <SecretView secret={shown.secret} label={shown.kind === 'rotated' ? 'New mesh secret' : 'Mesh secret'} />
        </div>
      )}
      <div className="row">
        {shown ? <Button onClick={() => setShown(null)}>Hide secret</Button> : <Button onClick={() => setAsking('reveal')}>Show secret…</Button>}
        {inMesh && <Button variant="danger" onClick={() => setAsking('rotate')}>Rotate secret…</Button>}
      </div>
      {asking === 'reveal' && (
        <ConfirmDialog title="Show the mesh secret?" confirmLabel="Show secret" busy={reveal.busy} error={reveal.error?.message} onConfirm={() => void confirmReveal()} onCancel={close}>
          <p>Anyone who sees it can join your mesh. Make sure nobody else is looking at your screen.</p>
        </ConfirmDialog>
      )}
      {asking === 'rotate' && (
        <ConfirmDialog title="Rotate the mesh secret?" confirmLabel="Rotate secret" danger busy={rotate.busy} error={rotate.error?.message} onConfirm={() => void confirmRotate()} onCancel={close}>
          <p>A new secret is generated and this node moves to the mesh of the new secret.</p>
          <p>Every other node must join the new secret too; until it does, it cannot reach this node. Nodes that keep the old secret stay in the old mesh.</p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
