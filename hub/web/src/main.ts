import type { WhoAmI } from '@driftless/hub';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setToken, takeTokenFromLocation, token, UNAUTHORIZED_EVENT } from './api.js';
import { FreezeBanner } from './components/freeze-banner.js';
import { SignIn } from './components/sign-in.js';
import { Toasts } from './components/toast.js';
import { AuditPage } from './pages/audit-page.js';
import { ClusterPage } from './pages/cluster-page.js';
import { FlagsPage } from './pages/flags-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PreviewsPage } from './pages/previews-page.js';
import { RolloutPage } from './pages/rollout-page.js';
import { usePoll } from './poll.js';
import { parseRoute, type Route } from './route.js';

/** The pages in the header, by the hash route that shows them (`#/rollout`). */
const PAGES = [
  { route: 'overview', title: 'Fleet', page: OverviewPage },
  { route: 'rollout', title: 'Rollout', page: RolloutPage },
  { route: 'flags', title: 'Flags', page: FlagsPage },
  { route: 'previews', title: 'Previews', page: PreviewsPage },
  { route: 'audit', title: 'Audit log', page: AuditPage },
] as const;

function Who(props: { who: WhoAmI | undefined; signedOut: boolean; onSignOut: () => void }) {
  if (props.signedOut || !props.who) return html`<span class="who" data-who="signed-out">signed out</span>`;
  if (props.who.user === null) return html`<span class="who" data-who="read-only">read-only</span>`;
  return html`<span class="who" data-who=${props.who.user}>${props.who.user}${props.who.canWrite ? '' : ' (read-only)'}
    ${token() ? html` <button class="link" onClick=${props.onSignOut}>sign out</button>` : null}</span>`;
}

function PageFor(props: { route: Route }) {
  if (props.route.page === 'cluster') return html`<${ClusterPage} name=${props.route.param} />`;
  const Page = (PAGES.find((p) => p.route === props.route.page) ?? PAGES[0]).page;
  return html`<${Page} />`;
}

function App() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  // Bumped on sign-in and sign-out: every page mounts again and reads with the new token.
  const [session, setSession] = useState(0);
  const [signedOut, setSignedOut] = useState(false);
  const who = usePoll<WhoAmI>('whoami', 30_000);
  useEffect(() => {
    const onHash = (): void => setRoute(parseRoute(location.hash));
    const onUnauthorized = (): void => setSignedOut(true);
    addEventListener('hashchange', onHash);
    addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    };
  }, []);
  const restart = (): void => {
    setSignedOut(false);
    setSession((s) => s + 1);
    who.reload();
  };
  const active = route.page === 'cluster' ? 'overview' : route.page;
  return html`<header>
      <strong>Driftless</strong>
      ${PAGES.map((p) => html`<a href=${`#/${p.route}`} class=${p.route === active ? 'active' : ''}>${p.title}</a>`)}
      <span class="spacer"></span>
      <${Who} who=${who.data} signedOut=${signedOut} onSignOut=${() => (setToken(''), restart())} />
    </header>
    ${signedOut
      ? html`<main><${SignIn} onSignedIn=${restart} /></main>`
      : html`<div key=${session}>
          <${FreezeBanner} canWrite=${who.data?.canWrite ?? false} />
          <main><${PageFor} route=${route} /></main>
        </div>`}
    <${Toasts} />`;
}

takeTokenFromLocation();
render(html`<${App} />`, document.getElementById('app') as HTMLElement);
