/** The mesh this node is in, and leaving it (after a confirmation). */
import { useState } from 'react';
import type { Status } from '../../../shared/protocol';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { KeyValueList } from '../../components/KeyValueList';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';

/** The "Current mesh" card with its Leave button. */
export function LeaveMesh({ status }: { status: Status }) {
  const { api, store } = useRuntime();
  const [asking, setAsking] = useState(false);
  const leave = useAction(() => api.service.leave({}));
  const confirm = async (): Promise<void> => {
    const result = await leave.run();
    if (!result?.ok) return;
    store.getState().applyStatus(result.value);
    setAsking(false);
  };
  return (
    <Card title="Current mesh">
      <KeyValueList items={[['Network id', status.networkId], ['Mesh subnet', status.meshSubnet], ['Mesh IPv4', status.meshIPv4]]} />
      <div className="row">
        <Button variant="danger" onClick={() => setAsking(true)}>Leave mesh…</Button>
      </div>
      {asking && (
        <ConfirmDialog
          title="Leave the mesh?"
          confirmLabel="Leave mesh"
          danger
          busy={leave.busy}
          error={leave.error?.message}
          onConfirm={() => void confirm()}
          onCancel={() => { leave.reset(); setAsking(false); }}
        >
          <p>The tunnel and its interface go away and the other nodes lose this one. This node keeps its identity and the secret, so the Join mesh toggle connects it again.</p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
