/**
 * The renderer's root: waits for the first app state, then shows the setup screen while the
 * service cannot be used, else the shell (sidebar, banners) with the screen of the hash route.
 * A refused web console token replaces everything with what to do.
 */
import type { ReactNode } from 'react';
import type { Route } from '../shared/ipc';
import { Banner } from './components/Banner';
import { DashboardScreen } from './features/dashboard/DashboardScreen';
import { ExposeWizard } from './features/expose/ExposeWizard';
import { JoinScreen } from './features/join/JoinScreen';
import { RoutesScreen } from './features/routes/RoutesScreen';
import { SettingsScreen } from './features/settings/SettingsScreen';
import { needsSetup } from './features/setup/setup-copy';
import { SetupScreen } from './features/setup/SetupScreen';
import { Banners } from './features/shell/Banners';
import { Nav } from './features/shell/Nav';
import { useHashRoute } from './hooks/use-hash-route';
import { useAppStore } from './store/use-app-store';

function screenFor(route: Route, params: URLSearchParams): ReactNode {
  switch (route) {
    case 'join': return <JoinScreen />;
    case 'expose': return <ExposeWizard />;
    case 'routes': return <RoutesScreen />;
    case 'settings': return <SettingsScreen />;
    case 'setup': return <SetupScreen />;
    default: return <DashboardScreen site={params.get('site') ?? undefined} />;
  }
}

function Centered({ children }: { children: ReactNode }) {
  return <main className="centered">{children}</main>;
}

/** The app. */
export function App() {
  const app = useAppStore((s) => s.app);
  const appError = useAppStore((s) => s.appError);
  const status = useAppStore((s) => s.status);
  const { route, params } = useHashRoute();
  if (appError && (appError.code === 'unauthorized' || !app)) {
    return (
      <Centered>
        <h1>Cloudroof</h1>
        <Banner tone="error" title={appError.code === 'unauthorized' ? 'This page has no access to the service' : 'Cloudroof cannot start'}>{appError.message}</Banner>
      </Centered>
    );
  }
  if (!app) return <Centered><p role="status" aria-busy="true">Starting Cloudroof…</p></Centered>;
  if (needsSetup(app)) return <main className="setup"><SetupScreen /></main>;
  return (
    <div className="shell">
      <Nav current={route} status={status} />
      <main className="content">
        <Banners app={app} />
        {screenFor(route, params)}
      </main>
    </div>
  );
}
