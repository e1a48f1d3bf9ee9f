// studiogate's GraphiQL bootstrap: our own file, not from npm. It is what async-graphql 7.2.1's
// GraphiQLSource page runs inline, moved into a file so the page's CSP needs no inline script.
// GraphiQL's UMD bundle includes the graphql-ws client its fetcher uses for subscriptions.
(() => {
  'use strict';
  // Same origin as the page; ws: or wss: for subscriptions (graphql-transport-ws).
  const url = (path, subscription = false) => {
    const u = new URL(path, window.location.origin);
    if (subscription) u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  };
  const fetcher = GraphiQL.createFetcher({
    url: url('/graphql'),
    subscriptionUrl: url('/graphql', true),
    fetch: (input, init = {}) => fetch(input, { ...init, credentials: 'same-origin' }),
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
    }),
  );
})();
