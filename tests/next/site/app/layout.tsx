import { StrictMode, type ReactNode } from "react";

export const metadata = { title: "Sajtmaskin on Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="sv">
      <body>
        <StrictMode>{children}</StrictMode>
      </body>
    </html>
  );
}
