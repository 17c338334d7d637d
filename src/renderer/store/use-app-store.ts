/** Reads the store from React: re-renders when the selected value changes (by reference). */
import { useStore } from 'zustand';
import { useRuntime } from '../hooks/use-runtime';
import type { AppStoreState } from './app-store';

/** Selects from the enclosing store; select fields, not new objects, to keep references stable. */
export function useAppStore<T>(selector: (state: AppStoreState) => T): T {
  return useStore(useRuntime().store, selector);
}
