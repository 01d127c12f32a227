/**
 * The "Workbench" sidebar: the current notebook's runs, polled while the sidebar is visible and
 * the browser tab is in front, less often while the server does not answer.
 */
import { INotebookTracker } from '@jupyterlab/notebook';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { IRun, IRunsReply, requestAPI } from './api';
import { openDashboard } from './dashboard';
import { workbenchIcon } from './icon';

const REFRESH_MS = 3000;
/** The longest wait between two tries while listing the runs fails (backoff). */
const MAX_REFRESH_MS = 60_000;
const SHOWN_METRICS = 3;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function formatMetric(value: number): string {
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function formatStart(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit'
  });
}

export class WorkbenchSidebar extends Widget {
  private readonly heading = element('div', 'wb-Sidebar-notebook');
  private readonly experiment = element('div', 'wb-Sidebar-experiment');
  private readonly list = element('ul', 'wb-Sidebar-runs');
  private readonly message = element('div', 'wb-Sidebar-message');
  private readonly compare = element('button', 'jp-Button jp-mod-styled jp-mod-accept', 'Compare');
  private readonly selected = new Set<string>();
  private readonly poll: Poll<void, unknown>;
  private path: string | null = null;

  constructor(private readonly tracker: INotebookTracker) {
    super();
    this.id = 'workbench-sidebar';
    this.addClass('wb-Sidebar');
    this.title.icon = workbenchIcon;
    this.title.caption = 'Workbench';

    const title = element('h2', 'wb-Sidebar-title', 'Workbench');
    const buttons = element('div', 'wb-Sidebar-buttons');
    const dashboard = element('button', 'jp-Button jp-mod-styled', 'Open dashboard');
    this.compare.title = 'Compare the selected runs in the dashboard';
    this.compare.addEventListener('click', () => void this.compareSelected());
    dashboard.addEventListener('click', () => void openDashboard());
    buttons.append(this.compare, dashboard);
    this.node.append(title, this.heading, this.experiment, buttons, this.message, this.list);

    this.poll = new Poll<void, unknown>({
      name: 'workbench-lab:runs',
      factory: () => this.load(),
      frequency: { interval: REFRESH_MS, backoff: true, max: MAX_REFRESH_MS },
      // Stand by while the sidebar is closed, and while the browser tab is hidden.
      standby: () => !this.isVisible || 'when-hidden'
    });
    tracker.currentChanged.connect(() => this.notebookChanged());
    this.notebookChanged();
  }

  /** List the runs again now (after an export or a run); nothing while the sidebar is closed. */
  refresh(): void {
    void this.poll.refresh();
  }

  protected onAfterShow(msg: Message): void {
    this.refresh();
  }

  dispose(): void {
    if (!this.isDisposed) {
      this.poll.dispose();
    }
    super.dispose();
  }

  /** One tick of the poll: rejects when the server does not list the runs, so it backs off. */
  private async load(): Promise<void> {
    const path = this.path;
    if (path === null) {
      this.render(null, 'Open a notebook to see its runs.');
      return;
    }
    try {
      const reply = await requestAPI<IRunsReply>(`runs?path=${encodeURIComponent(path)}`);
      if (path === this.path) {
        this.render(reply, reply.runs.length ? '' : 'No run from this notebook yet.');
      }
    } catch (error) {
      if (path === this.path) {
        this.render(null, `Cannot list the runs: ${(error as Error).message}`);
      }
      throw error;
    }
  }

  private notebookChanged(): void {
    const panel = this.tracker.currentWidget;
    const path = panel ? panel.context.path : null;
    if (path !== this.path) {
      this.path = path;
      this.selected.clear();
      this.heading.textContent = path ?? '';
      this.refresh();
    }
  }

  private render(reply: IRunsReply | null, message: string): void {
    this.message.textContent = message;
    this.experiment.textContent = reply?.experiment ? `Experiment: ${reply.experiment}` : '';
    const runs = reply?.runs ?? [];
    for (const id of [...this.selected]) {
      if (!runs.some(run => run.id === id)) {
        this.selected.delete(id);
      }
    }
    this.list.replaceChildren(...runs.map(run => this.renderRun(run)));
    this.updateCompare();
  }

  private renderRun(run: IRun): HTMLLIElement {
    const item = element('li', 'wb-Sidebar-run');
    item.dataset.runId = run.id;
    const box = element('input', 'wb-Sidebar-select');
    box.type = 'checkbox';
    box.checked = this.selected.has(run.id);
    box.title = 'Select to compare';
    box.addEventListener('change', () => {
      if (box.checked) {
        this.selected.add(run.id);
      } else {
        this.selected.delete(run.id);
      }
      this.updateCompare();
    });
    const name = element('span', 'wb-Sidebar-name', run.name || run.id.slice(0, 8));
    const status = element('span', `wb-Sidebar-status wb-mod-${run.status.toLowerCase()}`);
    status.textContent = run.status.toLowerCase();
    const start = element('span', 'wb-Sidebar-start', formatStart(run.start_time));
    const metrics = element('div', 'wb-Sidebar-metrics');
    metrics.textContent = Object.entries(run.metrics)
      .slice(0, SHOWN_METRICS)
      .map(([key, value]) => `${key} ${formatMetric(value)}`)
      .join(' · ');
    const head = element('div', 'wb-Sidebar-runhead');
    head.append(box, name, status);
    item.append(head, start, metrics);
    return item;
  }

  private updateCompare(): void {
    this.compare.disabled = this.selected.size < 2;
    this.compare.textContent = `Compare (${this.selected.size})`;
  }

  private async compareSelected(): Promise<void> {
    const ids = [...this.selected].map(encodeURIComponent).join(',');
    await openDashboard(`compare?runs=${ids}`);
  }
}
