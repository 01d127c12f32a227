/**
 * Calls to the server extension under `/workbench/api/` (Jupyter's token and XSRF cookie
 * are added by ServerConnection).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IExportResult {
  name: string;
  package: string;
  version: string;
  previous_version: string | null;
  changed: boolean;
  steps: string[];
  fingerprint: string;
  verdict: string;
  warnings: string[];
  reasons: string[];
  absolute_path: string;
  path: string | null;
  readme: string | null;
}

export interface IRun {
  id: string;
  name: string;
  status: string;
  experiment: string;
  start_time: string;
  duration: number | null;
  metrics: Record<string, number>;
}

export interface IRunsReply {
  experiment: string | null;
  runs: IRun[];
}

export interface IDashboardStatus {
  running: boolean;
  url: string | null;
}

/** A refusal from the server; `cell` (0-based) and `line` when the exporter names them. */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly cell: number | null = null,
    readonly line: number | null = null
  ) {
    super(message);
  }
}

export async function requestAPI<T>(endpoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'workbench', 'api', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new APIError(`The Jupyter server did not answer: ${error}`, 0);
  }
  const text = await response.text();
  let data: any = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const message =
      response.status === 404 && data.message === undefined
        ? 'The workbench server extension is not enabled (jupyter server extension list)'
        : (data.message ?? response.statusText);
    throw new APIError(message, response.status, data.cell ?? null, data.line ?? null);
  }
  return data as T;
}

export function postJSON<T>(endpoint: string, body: unknown): Promise<T> {
  return requestAPI<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}
