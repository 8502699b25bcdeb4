import { useEffect, useState } from 'preact/hooks';
import { parseRoute } from './route.js';

/** The query of the address's hash route (`#/overview?ring=ring-1` → `ring=ring-1`), as a string that changes with the address. */
export function useRouteQuery(): string {
  const read = (): string => parseRoute(location.hash).query.toString();
  const [query, setQuery] = useState(read);
  useEffect(() => {
    const onHash = (): void => setQuery(read());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return query;
}
