/** The current hash route, re-rendering on `hashchange`. */
import { useEffect, useState } from 'react';
import { parseHash, type HashLocation } from '../routing';

/** The route of `window.location.hash`, kept current. */
export function useHashRoute(): HashLocation {
  const [location, setLocation] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = (): void => setLocation(parseHash(window.location.hash));
    window.addEventListener('hashchange', update);
    update();
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}
