/**
 * workbench-lab: "Export as pipeline" (commands; the notebook toolbar button is declared in
 * schema/plugin.json under `jupyter.lab.toolbars`, so Settings can hide or move it), the
 * Workbench sidebar of this notebook's runs, and "Open workbench dashboard".
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { openDashboard } from './dashboard';
import { exportNotebook } from './export';
import { workbenchIcon } from './icon';
import { WorkbenchSidebar } from './sidebar';

namespace CommandIDs {
  export const exportPipeline = 'workbench:export-pipeline';
  export const exportAndVerify = 'workbench:export-pipeline-verify';
  export const openDashboard = 'workbench:open-dashboard';
  export const showSidebar = 'workbench:show-sidebar';
}

const CATEGORY = 'Workbench';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'workbench-lab:plugin',
  description: 'Export a notebook as a pipeline, see its runs, open the workbench dashboard.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const sidebar = new WorkbenchSidebar(tracker);
    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, sidebar.id);

    const runExport = async (panel: NotebookPanel, verify: boolean): Promise<void> => {
      const result = await exportNotebook(app, panel, verify);
      if (result) {
        sidebar.refresh();
      }
    };
    const hasNotebook = (): boolean => tracker.currentWidget !== null;

    app.commands.addCommand(CommandIDs.exportPipeline, {
      label: 'Export as pipeline',
      caption: 'Save the notebook and export it as a versioned pipeline package',
      icon: workbenchIcon,
      isEnabled: hasNotebook,
      execute: () => {
        const panel = tracker.currentWidget;
        return panel ? runExport(panel, false) : undefined;
      }
    });
    app.commands.addCommand(CommandIDs.exportAndVerify, {
      label: 'Export as pipeline and verify',
      caption: 'Export, then run the pipeline and compare its results with the notebook',
      isEnabled: hasNotebook,
      execute: () => {
        const panel = tracker.currentWidget;
        return panel ? runExport(panel, true) : undefined;
      }
    });
    app.commands.addCommand(CommandIDs.openDashboard, {
      label: 'Open workbench dashboard',
      caption: 'Start `workbench ui` if needed and open it in a new browser tab',
      execute: () => openDashboard()
    });
    app.commands.addCommand(CommandIDs.showSidebar, {
      label: 'Show Workbench sidebar',
      execute: () => app.shell.activateById(sidebar.id)
    });
    for (const command of Object.values(CommandIDs)) {
      palette?.addItem({ command, category: CATEGORY });
    }
    // The toolbar button (a CommandToolbarButton) shows the command's enabled state: tell it
    // when the current notebook changes.
    tracker.currentChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.exportPipeline);
      app.commands.notifyCommandChanged(CommandIDs.exportAndVerify);
    });
  }
};

export default plugin;
