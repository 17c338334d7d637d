/**
 * Entry of the renderer (Electron window and web console page). Order matters: the API is
 * picked first (in the web console that takes the token out of the URL fragment, before the
 * hash router reads it), then the store is fed (events first, then the initial fetches), then
 * React renders. Styles are plain CSS files bundled by Vite (no inline styles: the CSP forbids them).
 */
import '../shared/zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickApi } from './api';
import { UNAUTHORIZED, UNAUTHORIZED_MESSAGE } from './api/http-transport';
import { App } from './App';
import { AppContext } from './app-context';
import { navigate } from './routing';
import { createAppStore } from './store/app-store';
import { connectStore } from './store/connect';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';

const store = createAppStore();
const api = pickApi({ onUnauthorized: () => store.getState().setAppError({ code: UNAUTHORIZED, message: UNAUTHORIZED_MESSAGE }) });
connectStore(api, store, (route) => navigate(route));

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AppContext.Provider value={{ api, store }}>
        <App />
      </AppContext.Provider>
    </StrictMode>,
  );
}
