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

/** The body of a refusal: `message`, and the cell (0-based) and line the exporter names. */
export interface IErrorReply {
  message?: string;
  cell?: number | null;
  line?: number | null;
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
  let data: unknown = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const error = asErrorReply(data);
    const message =
      response.status === 404 && error.message === undefined
        ? 'The workbench server extension is not enabled (jupyter server extension list)'
        : (error.message ?? response.statusText);
    throw new APIError(message, response.status, error.cell ?? null, error.line ?? null);
  }
  return data as T;
}

/** The fields of a refusal that have the expected types (a proxy may answer with anything). */
function asErrorReply(data: unknown): IErrorReply {
  if (typeof data !== 'object' || data === null) {
    return {};
  }
  const fields = data as Record<string, unknown>;
  const integer = (value: unknown): number | null =>
    typeof value === 'number' && Number.isInteger(value) ? value : null;
  return {
    message: typeof fields.message === 'string' ? fields.message : undefined,
    cell: integer(fields.cell),
    line: integer(fields.line)
  };
}

export function postJSON<T>(endpoint: string, body: unknown): Promise<T> {
  return requestAPI<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}
