/** LAN routes on the dashboard: advertised (state, errors) and accepted (via whom, installed, conflicts). */
import { Card } from '../../components/Card';
import { useResource } from '../../hooks/use-resource';
import { routeHref } from '../../routing';
import { AcceptedRoutesTable, AdvertisedRoutesTable } from './RouteTables';

/** The "LAN routes" card. */
export function RoutesCard() {
  const routes = useResource('routes');
  return (
    <Card title="LAN routes" actions={<a href={routeHref('routes')}>Manage routes</a>}>
      {routes.error && <p className="field-error" role="alert">{routes.error.message}</p>}
      {routes.data && (
        <>
          <h3>Advertised by this node</h3>
          <AdvertisedRoutesTable routes={routes.data.advertised} />
          <h3>Accepted from others{routes.data.acceptRoutes ? '' : ' (accepting is off)'}</h3>
          <AcceptedRoutesTable routes={routes.data.accepted} />
        </>
      )}
    </Card>
  );
}
