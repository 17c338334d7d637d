/** The dashboard: the join toggle at the top, then this node, its peers, routes, sites and edge mode. */
import { ConnectToggle } from './ConnectToggle';
import { EdgeCard } from './EdgeCard';
import { PeersCard } from './PeersCard';
import { RoutesCard } from './RoutesCard';
import { SitesCard } from './SitesCard';
import { ThisNodeCard } from './ThisNodeCard';

/** The dashboard; `site` highlights one site (a link from the exposure wizard). */
export function DashboardScreen({ site }: { site?: string }) {
  return (
    <div className="screen">
      <header className="screen-head">
        <h1>Dashboard</h1>
        <ConnectToggle />
      </header>
      <div className="grid">
        <ThisNodeCard />
        <SitesCard highlight={site} />
        <PeersCard />
        <RoutesCard />
        <EdgeCard />
      </div>
    </div>
  );
}
