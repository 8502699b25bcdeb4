import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { takeTokenFromLocation } from './api.js';
import { AuditPage } from './pages/audit-page.js';
import { FlagsPage } from './pages/flags-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PreviewsPage } from './pages/previews-page.js';
import { RolloutPage } from './pages/rollout-page.js';

/** The pages, by the hash route that shows them (`#/rollout`). */
const PAGES = [
  { route: 'overview', title: 'Fleet', page: OverviewPage },
  { route: 'rollout', title: 'Rollout', page: RolloutPage },
  { route: 'flags', title: 'Flags', page: FlagsPage },
  { route: 'previews', title: 'Previews', page: PreviewsPage },
  { route: 'audit', title: 'Audit log', page: AuditPage },
] as const;

function currentRoute(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview';
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = (): void => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const active = PAGES.find((p) => p.route === route) ?? PAGES[0];
  const Page = active.page;
  return html`<header>
      <strong>Driftless</strong>
      ${PAGES.map((p) => html`<a href=${`#/${p.route}`} class=${p === active ? 'active' : ''}>${p.title}</a>`)}
    </header>
    <main><${Page} /></main>`;
}

takeTokenFromLocation();
render(html`<${App} />`, document.getElementById('app') as HTMLElement);
