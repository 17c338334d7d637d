/** Access to the {@link AppRuntime} from containers. */
import { useContext } from 'react';
import { AppContext, type AppRuntime } from '../app-context';

/** The runtime of the enclosing provider. @throws Error outside an `AppContext` provider. */
export function useRuntime(): AppRuntime {
  const runtime = useContext(AppContext);
  if (!runtime) throw new Error('useRuntime outside an AppContext provider');
  return runtime;
}

/** The API of the enclosing provider. */
export function useApi(): AppRuntime['api'] {
  return useRuntime().api;
}
