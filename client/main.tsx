// Entry of every web panel: one bundle, the panel chosen by the path SuperOffice frames
// (/panel/admin, /panel/user, /panel/appointment; see manifest/app.json).
import { render } from 'preact';
import { App } from './app.tsx';
import { readPanelContext } from './panel-context.ts';

const root = document.getElementById('app');
if (root) render(<App context={readPanelContext(window.location)} />, root);
