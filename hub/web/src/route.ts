/** Where the address's hash points: `#/cluster/NAME?x=1` is page `cluster`, param `NAME`, query `x=1`. */
export interface Route {
  readonly page: string;
  readonly param: string;
  readonly query: URLSearchParams;
}

/** Parses `location.hash`; an empty hash is the overview. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const slash = path.indexOf('/');
  const page = (slash < 0 ? path : path.slice(0, slash)) || 'overview';
  const param = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  return { page, param, query: new URLSearchParams(query) };
}

/** The hash for `page` with `query` (empty values left out): `#/overview?ring=ring-1`. */
export function routeHash(page: string, query: Readonly<Record<string, string | undefined>> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}
