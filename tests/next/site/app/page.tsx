// A server component: it imports the package's types and renders a card on the server with
// <IntegrationCard> (a client component that loads no wasm there), then the client builder.
import type { IntegrationCard as Card } from "@sajtmaskin/integrations";
import { IntegrationCard } from "@sajtmaskin/integrations/react";
import Builder from "./builder";

export const dynamic = "force-dynamic";

const serverCard: Card = {
  id: "integration:stripe",
  provider: "stripe",
  kind: "integration",
  title: "Stripe (server)",
  description: "Rendered by a server component.",
  status: { code: "requested", label: "Begärd" },
  envVars: [{ key: "STRIPE_SECRET_KEY", set: false }],
  actions: [
    { kind: "install", label: "Installera", url: "https://vercel.com/marketplace/stripe" },
    { kind: "open_setup", label: "Elak länk", url: "javascript:alert(1)" },
    { kind: "set_env_vars", label: "Ange nycklar", envKeys: ["STRIPE_SECRET_KEY"] },
  ],
};

export default function Page() {
  return (
    <main>
      <h1>Sajtmaskin</h1>
      <section id="server-card">
        <IntegrationCard card={serverCard} />
      </section>
      <Builder />
    </main>
  );
}
