/** "Export as pipeline": save, export on the server, report the package or the failing cell. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';

import { APIError, IExportResult, postJSON } from './api';

/** One line a toast can show whole (JupyterLab cuts toasts at 140 characters). */
export function summary(result: IExportResult): string {
  const where = result.path ?? result.absolute_path;
  const what = result.changed ? 'exported' : 'unchanged';
  return `Pipeline ${result.package} ${result.version} ${what} at ${where} — ${result.verdict}`;
}

function details(result: IExportResult): string {
  const lines = [
    `Package: ${result.package} ${result.version} (folder ${result.name})`,
    `Path: ${result.absolute_path}`,
    `Verdict: ${result.verdict}`,
    `Steps: ${result.steps.join(' → ')}`,
    ...result.reasons.map(reason => `Changed: ${reason}`),
    ...result.warnings.map(warning => `Warning: ${warning}`)
  ];
  return lines.join('\n');
}

async function jumpToCell(panel: NotebookPanel, index: number): Promise<void> {
  const notebook = panel.content;
  if (index < 0 || index >= notebook.widgets.length) {
    return;
  }
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(notebook.widgets[index], 'center');
}

export async function exportNotebook(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  verify = false
): Promise<IExportResult | null> {
  await panel.context.ready;
  const path = panel.context.path;
  const started = Date.now();
  const doing = verify ? 'Exporting and verifying' : 'Exporting';
  const id = Notification.emit(`${doing} ${panel.title.label} as a pipeline…`, 'in-progress', {
    autoClose: false
  });
  // The progress a user sees: the phase and the seconds elapsed, updated every second.
  const ticker = window.setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    Notification.update({
      id,
      message: `${doing} ${panel.title.label} as a pipeline… ${seconds} s`,
      type: 'in-progress',
      autoClose: false
    });
  }, 1000);
  try {
    if (panel.context.model.dirty) {
      await panel.context.save();
    }
    const result = await postJSON<IExportResult>('export', { path, verify });
    const actions: Notification.IAction[] = [
      {
        label: 'Details',
        callback: () =>
          void showDialog({
            title: 'Exported pipeline',
            body: details(result),
            buttons: [Dialog.okButton()]
          })
      }
    ];
    if (result.readme) {
      const readme = result.readme;
      actions.unshift({
        label: 'Open README',
        callback: () => void app.commands.execute('docmanager:open', { path: readme })
      });
    }
    Notification.update({
      id,
      message: summary(result),
      type: result.warnings.length ? 'warning' : 'success',
      autoClose: 15000,
      actions
    });
    return result;
  } catch (error) {
    const failure = error instanceof APIError ? error : new APIError(String(error), 0);
    Notification.update({
      id,
      message: `Export failed: ${failure.message}`,
      type: 'error',
      autoClose: false,
      actions: [
        {
          label: 'Details',
          callback: () => void showErrorMessage('Export as pipeline failed', failure.message)
        }
      ]
    });
    if (failure.cell !== null) {
      await jumpToCell(panel, failure.cell);
    }
    return null;
  } finally {
    window.clearInterval(ticker);
  }
}
