/**
 * Hash routes of the renderer: `#/dashboard`, `#/join`, `#/expose`, `#/routes`, `#/settings`,
 * `#/setup`, with optional query parameters (`#/dashboard?site=blog`). Hash routing works the
 * same from app:// in Electron and from the web console's http://127.0.0.1 page, and needs no
 * server support. Anything unknown shows the dashboard.
 */
import { Route } from '../shared/ipc';

/** A parsed location. */
export interface HashLocation {
  route: Route;
  params: URLSearchParams;
}

/** Parses `#/route?query`. */
export function parseHash(hash: string): HashLocation {
  const m = /^#\/([a-z]+)(?:\?(.*))?$/.exec(hash);
  const parsed = Route.safeParse(m?.[1]);
  return { route: parsed.success ? parsed.data : 'dashboard', params: new URLSearchParams(m?.[2] ?? '') };
}

/** The hash of a route: `#/expose`, `#/dashboard?site=blog`. */
export function routeHref(route: Route, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#/${route}${query ? `?${query}` : ''}`;
}

/** Shows a screen (the `hashchange` event re-renders the app). */
export function navigate(route: Route, params?: Record<string, string>): void {
  window.location.hash = routeHref(route, params);
}
