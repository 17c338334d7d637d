/**
 * The join form's state and actions: the secret as typed or generated (kept here only: cleared
 * after a successful join, never put in the store, never logged), the optional subnet, their
 * checks, and joining (with `switch` after a confirmation when this node is in a mesh already).
 */
import { useState } from 'react';
import { generateSecretToken } from '../../../shared/mesh/secret';
import { useAction, type Action } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { navigate } from '../../routing';
import type { Status } from '../../../shared/protocol';
import { checkSecret, checkSubnet, type SecretCheck } from './join-checks';

/** What the join screen renders. */
export interface JoinForm {
  secret: string;
  setSecret(value: string): void;
  /** The token generated here, while the field still holds it. */
  generated: string | null;
  generate(): void;
  subnet: string;
  setSubnet(value: string): void;
  check: SecretCheck;
  subnetError?: string;
  ready: boolean;
  join: Action<[boolean], Status>;
  /** Join now, or ask first when in a mesh. */
  start(): void;
  confirmingSwitch: boolean;
  confirmSwitch(): void;
  cancelSwitch(): void;
}

/** The join form; `inMesh` makes joining a switch that asks first. */
export function useJoinForm(inMesh: boolean): JoinForm {
  const { api, store } = useRuntime();
  const [secret, setSecretValue] = useState('');
  const [generated, setGenerated] = useState<string | null>(null);
  const [subnet, setSubnet] = useState('');
  const [confirmingSwitch, setConfirming] = useState(false);
  const check = checkSecret(secret);
  const subnetError = checkSubnet(subnet);
  const join = useAction((switchMesh: boolean) =>
    api.service.join({ secret, ...(subnet.trim() ? { meshSubnet: subnet.trim() } : {}), ...(switchMesh ? { switch: true } : {}) }));
  const submit = async (switchMesh: boolean): Promise<void> => {
    const result = await join.run(switchMesh);
    if (!result?.ok) return;
    setSecretValue('');
    setGenerated(null);
    store.getState().applyStatus(result.value);
    navigate('dashboard');
  };
  const ready = check.ok && !subnetError;
  return {
    secret, generated, subnet, setSubnet, check, subnetError, ready, join, confirmingSwitch,
    setSecret: (value) => { setSecretValue(value); join.reset(); },
    generate: () => {
      const token = generateSecretToken();
      setGenerated(token);
      setSecretValue(token);
      join.reset();
    },
    start: () => {
      if (!ready) return;
      if (inMesh) setConfirming(true);
      else void submit(false);
    },
    confirmSwitch: () => void submit(true),
    cancelSwitch: () => { join.reset(); setConfirming(false); },
  };
}
