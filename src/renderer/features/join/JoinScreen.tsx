/**
 * Join a mesh: paste a secret or generate one (a wgmesh://v1/… token with Copy and a QR code to
 * take to the other nodes), checked as it is typed; an optional custom mesh subnet. Join calls
 * service.join and shows the dashboard, where the mesh forms. When this node is in a mesh, the
 * screen shows it with Leave, and joining another asks first.
 */
import { useState } from 'react';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { Checkbox } from '../../components/Checkbox';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field } from '../../components/Field';
import { SecretView } from '../../components/SecretView';
import { useAppStore } from '../../store/use-app-store';
import { LeaveMesh } from './LeaveMesh';
import { useJoinForm, type JoinForm } from './use-join-form';

function SecretField({ form }: { form: JoinForm }) {
  const [show, setShow] = useState(false);
  const { secret, generated, check } = form;
  return (
    <>
      <Field
        label="Mesh secret"
        type={show || generated === secret ? 'text' : 'password'}
        value={secret}
        onChange={form.setSecret}
        error={check.error}
        placeholder="wgmesh://v1/…"
        hint={check.notToken ? 'Works, but a generated wgmesh://v1/… token is much harder to guess.' : 'Paste the secret of an existing mesh, or generate one to start a new mesh.'}
        onEnter={form.start}
      />
      <div className="row">
        <Checkbox label="Show secret" checked={show} onChange={setShow} />
        <Button onClick={form.generate}>Generate a new secret</Button>
      </div>
      {generated !== null && generated === secret && (
        <div className="stack">
          <p>Give this secret to the other nodes (copy it, or scan the QR code). Keep it private: anyone with it can join.</p>
          <SecretView secret={generated} label="New mesh secret" />
        </div>
      )}
    </>
  );
}

/** The join screen. */
export function JoinScreen() {
  const status = useAppStore((s) => s.status);
  const inMesh = status?.networkId !== undefined;
  const form = useJoinForm(inMesh);
  return (
    <div className="screen">
      <h1>Join a mesh</h1>
      <p className="lead">Every node that joins with the same secret becomes part of one private WireGuard network.</p>
      {inMesh && status && <LeaveMesh status={status} />}
      <section className="card" aria-label="Join with a secret">
        <SecretField form={form} />
        <details className="advanced">
          <summary>Advanced</summary>
          <Field label="Mesh subnet (optional)" value={form.subnet} onChange={form.setSubnet} error={form.subnetError} placeholder="10.42.0.0/16" hint="An IPv4 network for mesh addresses; every node must use the same one. Empty: derived from the secret." />
        </details>
        {form.join.error && !form.confirmingSwitch && <Banner tone="error" title="Could not join">{form.join.error.message}</Banner>}
        <div className="row">
          <Button variant="primary" disabled={!form.ready} busy={form.join.busy} busyLabel="Joining…" onClick={form.start}>
            {inMesh ? 'Switch to this mesh…' : 'Join'}
          </Button>
        </div>
      </section>
      {form.confirmingSwitch && (
        <ConfirmDialog title="Switch to another mesh?" confirmLabel="Switch mesh" danger busy={form.join.busy} error={form.join.error?.message} onConfirm={form.confirmSwitch} onCancel={form.cancelSwitch}>
          <p>This node leaves its current mesh and joins the one of this secret.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
