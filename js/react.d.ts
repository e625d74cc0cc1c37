// Types of `@sajtmaskin/integrations/react` (react.js).
import type { ReactElement } from "react";
import type {
  BackendClient,
  BackendClientOptions,
  CardAction,
  EnvVar,
  EnvVarSelector,
  EnvVarUpdate,
  IntegrationCard as Card,
  IntegrationsError,
  McpServer,
  McpServerPatch,
  NewEnvVar,
  NewMcpServer,
  StreamSessionOptions,
} from "./sajtmaskin_integrations.js";

/** `idle` without a response; `aborted` once no mounted component used it any more. */
export type StreamStatus = "idle" | "streaming" | "done" | "error" | "aborted";

export interface StreamState {
  /** The message text so far. */
  text: string;
  /** The cards, in order of first appearance (dismissed ones left out). */
  cards: Card[];
  status: StreamStatus;
  /** Set with status "error": v0's or the proxy's fatal error, or why the read failed. */
  error: { code: string; message: string } | null;
}

/**
 * Reads a v0 stream (a `fetch` response or its body) into `{ text, cards, status, error }`:
 * one read per response however often components mount (StrictMode included), aborted when no
 * mounted component uses the response any more (unmount, or a new response).
 */
export function useStreamSession(response: Response | ReadableStream<Uint8Array> | null | undefined, options?: StreamSessionOptions): StreamState;

/** A `BackendClient`, or null until the package has loaded in the browser (always null on the server). */
export function useBackendClient(options?: BackendClientOptions): BackendClient | null;

export interface BackendList {
  loading: boolean;
  /** The last failed load (`IntegrationsError` from the client); null after a successful one. */
  error: IntegrationsError | null;
  /** Loads the list again; resolves with it. */
  refresh(): Promise<unknown[]>;
}

export interface EnvVarsState extends BackendList {
  envVars: EnvVar[];
  upsert(vars: NewEnvVar[], options?: { upsert?: boolean }): Promise<EnvVar[]>;
  update(vars: EnvVarUpdate[]): Promise<EnvVar[]>;
  remove(selector: EnvVarSelector): Promise<EnvVar[]>;
}

/** A project's env vars; each mutation loads the list again. Idle while either argument is missing. */
export function useEnvVars(backend: BackendClient | null | undefined, projectId: string | null | undefined): EnvVarsState;

export interface McpServersState extends BackendList {
  servers: McpServer[];
  create(server: NewMcpServer): Promise<McpServer>;
  update(serverId: string, patch: McpServerPatch): Promise<McpServer>;
  remove(serverId: string): Promise<{ deleted: string }>;
}

/** The user's MCP servers; each mutation loads the list again. Idle while `backend` is missing. */
export function useMcpServers(backend: BackendClient | null | undefined): McpServersState;

export interface IntegrationCardProps {
  card: Card;
  /** Called for button actions (everything but links). */
  onAction?: (cardId: string, action: CardAction) => void;
  /** As for `StreamSession`; links are checked again before they are rendered. */
  allowedActionHosts?: string[];
}

/** One card, unstyled (the `CardRenderer` markup and class names): text only, allow-listed links. */
export function IntegrationCard(props: IntegrationCardProps): ReactElement;
