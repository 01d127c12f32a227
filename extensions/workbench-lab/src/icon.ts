import { LabIcon } from '@jupyterlab/ui-components';

// A bench: a seat over two legs.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="7" width="18" height="3" rx="1"/>
    <rect x="3" y="12" width="18" height="2" rx="1"/>
    <rect x="5" y="14" width="2" height="6"/>
    <rect x="17" y="14" width="2" height="6"/>
  </g>
</svg>`;

export const workbenchIcon = new LabIcon({ name: 'workbench-lab:bench', svgstr: svg });
