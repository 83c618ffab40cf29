import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

async function start(): Promise<void> {
  // Dev-only stand-in for the Rust side. The condition is a compile-time constant, so the
  // normal build drops this branch and the mock module with it.
  if (import.meta.env.VITE_MOCK_IPC === '1') {
    const { installMockBackend } = await import('./lib/api/mock');
    installMockBackend();
  }
  const target = document.getElementById('app');
  if (!target) throw new Error('index.html has no #app element');
  mount(App, { target });
}

void start();
