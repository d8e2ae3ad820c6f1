import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { controller } from './app/store/controller-instance';
import { loadHash } from './app/store/hash-sync';
import './app/app.css';

// The configuration comes from the link before the first render; the worker starts once per page.
const state = loadHash();
void controller.init(state?.backend ?? null);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
