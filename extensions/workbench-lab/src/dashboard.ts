/** Opening the workbench dashboard (`workbench ui`, started by the server on demand). */
import { Notification } from '@jupyterlab/apputils';

import { IDashboardStatus, postJSON } from './api';

/**
 * Open `page` of the dashboard in a new browser tab, starting the dashboard first if needed.
 * The tab is opened at once, inside the click, so that pop-up blockers let it through.
 */
export async function openDashboard(page = ''): Promise<void> {
  const tab = window.open('about:blank', '_blank');
  try {
    const status = await postJSON<IDashboardStatus>('dashboard', {});
    const url = new URL(page, status.url ?? '').toString();
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    } else {
      window.open(url, '_blank', 'noopener');
    }
  } catch (error) {
    tab?.close();
    Notification.error(`Cannot open the workbench dashboard: ${(error as Error).message}`, {
      autoClose: false
    });
  }
}
