/** A clock for ages that tick (last handshake "42s ago"). */
import { useEffect, useState } from 'react';

/** `Date.now()`, updated every `ms` milliseconds. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
