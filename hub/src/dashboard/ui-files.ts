import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Serves the web UI: `/` (hub/web/index.html), `/ui/dashboard.css`,
 * `/ui/js/...` (hub/web/dist) and `/ui/vendor/...` (preact, htm, uPlot from
 * node_modules). Returns false, answering nothing, for other paths. (To be
 * implemented.)
 */
export function serveUiFile(req: IncomingMessage, res: ServerResponse): boolean {
  void req;
  void res;
  return false;
}
