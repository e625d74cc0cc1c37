// Typed use of the package and its React bindings, checked with `tsc --noEmit` under `strict`:
// the lines marked @ts-expect-error must stay errors.
import type { IntegrationCard as Card, StreamSnapshot } from "@sajtmaskin/integrations";
import { isAllowedActionUrl } from "@sajtmaskin/integrations";
import { StreamSession as StreamOnlySession } from "@sajtmaskin/integrations/stream";
// @ts-expect-error: the stream-only entry has no BackendClient
import { BackendClient as NotInStream } from "@sajtmaskin/integrations/stream";
import { useEnvVars, useMcpServers, useStreamSession, type StreamState } from "@sajtmaskin/integrations/react";

export function useTyped(response: Response | null): [StreamState, Card[], string] {
  const state = useStreamSession(response, { locale: "en", format: "v0-v2" });
  const status: "idle" | "streaming" | "done" | "error" | "aborted" = state.status;
  const env = useEnvVars(null, "p1");
  const keys: string[] = env.envVars.map((v) => v.key);
  const mcp = useMcpServers(null);
  const names: string[] = mcp.servers.map((s) => s.name);
  // @ts-expect-error: locale is "sv" | "en"
  useStreamSession(response, { locale: "de" });
  // @ts-expect-error: text is a string
  const wrong: number = state.text;
  // @ts-expect-error: upsert takes NewEnvVar[]
  void env.upsert([{ key: "A" }]);
  const allowed: boolean = isAllowedActionUrl("https://vercel.com/x", ["vercel.com"]);
  const snapshot: StreamSnapshot | null = null;
  const streamOnly: Card[] = new StreamOnlySession({ locale: "sv" }).cards();
  void NotInStream;
  void streamOnly;
  return [state, state.cards, `${status}${keys}${names}${wrong}${allowed}${snapshot}`];
}
