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

/**
 * Splits a `token=…` parameter out of an address's hash, wherever it stands:
 * `#token=T&/rollout`, `#/rollout&token=T`, `#/audit?actor=a&token=T` and
 * `#/audit?token=T` each give token T and the route without it (`#/rollout`,
 * `#/audit?actor=a`, `#/audit`); just `#token=T` gives `#/`. A token that is
 * not valid percent-encoding (`%E0%A4`) is dropped from the address all the
 * same, with `token` undefined: a mistyped link must not leave a blank page,
 * nor a token in the address. Undefined when the hash has no token.
 */
export function splitToken(hash: string): { readonly token: string | undefined; readonly hash: string } | undefined {
  const m = /(^#|[&?])token=([^&]*)(&?)/.exec(hash);
  if (!m?.[2]) return undefined;
  const [whole, lead = '', , tail = ''] = m;
  // Keep one separator when the token stood between two parts; a `#` lead stays the hash's start.
  const joined = hash.slice(0, m.index) + (lead === '#' || tail !== '' ? lead : '') + hash.slice(m.index + whole.length);
  const rest = joined.replace(/^#&/, '#');
  return { token: decodeOrUndefined(m[2]), hash: rest === '#' || rest === '' ? '#/' : rest };
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    // URIError: a malformed escape. Dropped, not guessed at: a wrong token would only fail later.
    return undefined;
  }
}
