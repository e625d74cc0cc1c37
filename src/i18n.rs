//! Card texts in Swedish (the default) and English.
//!
//! ```
//! use sajtmaskin_integrations::i18n::{status_label, Locale};
//! use sajtmaskin_integrations::cards::Status;
//!
//! assert_eq!(status_label(Locale::Sv, Status::SetupRequired), "Konfiguration krävs");
//! assert_eq!(status_label(Locale::En, Status::SetupRequired), "Setup required");
//! ```

use crate::catalog::Kind;
use crate::vocabulary::{ActionKind, Status, Verification};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// Swedish.
    #[default]
    Sv,
    /// English.
    En,
}

impl Locale {
    /// `sv` or `en`; anything else is `None`.
    pub fn parse(code: &str) -> Option<Locale> {
        match code {
            "sv" => Some(Locale::Sv),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// The label of a status.
pub fn status_label(locale: Locale, status: Status) -> &'static str {
    match (locale, status) {
        (Locale::Sv, Status::Requested) => "Begärd",
        (Locale::Sv, Status::SetupRequired) => "Konfiguration krävs",
        (Locale::Sv, Status::Installing) => "Installeras",
        (Locale::Sv, Status::Connected) => "Ansluten",
        (Locale::Sv, Status::Completed) => "Klar",
        (Locale::Sv, Status::Error) => "Fel",
        (Locale::En, Status::Requested) => "Requested",
        (Locale::En, Status::SetupRequired) => "Setup required",
        (Locale::En, Status::Installing) => "Installing",
        (Locale::En, Status::Connected) => "Connected",
        (Locale::En, Status::Completed) => "Completed",
        (Locale::En, Status::Error) => "Error",
    }
}

/// The label of an action button.
pub fn action_label(locale: Locale, action: ActionKind) -> &'static str {
    match (locale, action) {
        (Locale::Sv, ActionKind::Install) => "Installera",
        (Locale::Sv, ActionKind::OpenSetup) => "Öppna konfigurationen",
        (Locale::Sv, ActionKind::SetEnvVars) => "Ange miljövariabler",
        (Locale::Sv, ActionKind::ConnectMcp) => "Anslut MCP",
        (Locale::Sv, ActionKind::OpenChat) => "Öppna chatten i v0",
        (Locale::Sv, ActionKind::Resume) => "Fortsätt generering",
        (Locale::Sv, ActionKind::Verify) => "Kontrollera nycklarna",
        (Locale::Sv, ActionKind::Dismiss) => "Stäng",
        (Locale::En, ActionKind::Install) => "Install",
        (Locale::En, ActionKind::OpenSetup) => "Open setup",
        (Locale::En, ActionKind::SetEnvVars) => "Set env vars",
        (Locale::En, ActionKind::ConnectMcp) => "Connect MCP",
        (Locale::En, ActionKind::OpenChat) => "Open chat in v0",
        (Locale::En, ActionKind::Resume) => "Continue generation",
        (Locale::En, ActionKind::Verify) => "Check the keys",
        (Locale::En, ActionKind::Dismiss) => "Dismiss",
    }
}

/// The label of a credential check's outcome.
pub fn verification_label(locale: Locale, outcome: Verification) -> &'static str {
    match (locale, outcome) {
        (Locale::Sv, Verification::Verified) => "Verifierad",
        (Locale::Sv, Verification::Invalid) => "Ogiltig nyckel",
        (Locale::Sv, Verification::Unreachable) => "Kan inte nås",
        (Locale::Sv, Verification::Unsupported) => "Kan inte kontrolleras",
        (Locale::En, Verification::Verified) => "Verified",
        (Locale::En, Verification::Invalid) => "Invalid key",
        (Locale::En, Verification::Unreachable) => "Unreachable",
        (Locale::En, Verification::Unsupported) => "Cannot be checked",
    }
}

/// A card's title for a provider display name.
pub fn title(locale: Locale, kind: Kind, name: &str) -> String {
    match (locale, kind) {
        (_, Kind::Integration) => name.to_owned(),
        (_, Kind::Mcp) => format!("{name} MCP"),
        (_, Kind::Connector) => format!("{name} (Vercel Connect)"),
        (Locale::Sv, Kind::EnvVars) => format!("Miljövariabler: {name}"),
        (Locale::En, Kind::EnvVars) => format!("Environment variables: {name}"),
        (Locale::Sv, Kind::Secret) => format!("Hemlighet i koden: {}", secret_name(locale, name)),
        (Locale::En, Kind::Secret) => format!("Secret in the code: {}", secret_name(locale, name)),
    }
}

/// The name of a kind of credential (its card's provider id, `secret-stripe-key`, …).
pub fn secret_name(locale: Locale, id: &str) -> &'static str {
    use crate::leaks::SecretKind as S;
    // (kind, Swedish, English). A table rather than a match per locale and kind: the match
    // compiled to one string comparison per arm (4 KB of the wasm module). A unit test below
    // checks every kind has its names.
    const NAMES: [(S, &str, &str); 10] = [
        (S::StripeKey, "Stripe-nyckel", "Stripe key"),
        (S::GitHubToken, "GitHub-token", "GitHub token"),
        (S::SlackToken, "Slack-token", "Slack token"),
        (S::AwsAccessKey, "AWS-åtkomstnyckel", "AWS access key"),
        (S::GoogleApiKey, "Google API-nyckel", "Google API key"),
        (S::OpenAiKey, "OpenAI-nyckel", "OpenAI key"),
        (S::AnthropicKey, "Anthropic-nyckel", "Anthropic key"),
        (S::Jwt, "JWT-token", "JWT"),
        (S::PrivateKey, "privat nyckel", "private key"),
        (
            S::DatabaseUrl,
            "databas-URL med lösenord",
            "database URL with a password",
        ),
    ];
    let (sv, en) = NAMES
        .iter()
        .find(|(kind, _, _)| kind.id() == id)
        .map_or(("nyckel", "key"), |&(_, sv, en)| (sv, en));
    match locale {
        Locale::Sv => sv,
        Locale::En => en,
    }
}

/// A card's description.
pub fn description(locale: Locale, kind: Kind, name: &str) -> String {
    match (locale, kind) {
        (Locale::Sv, Kind::Integration) => {
            format!("Appen behöver {name}. Installera integrationen via Vercel Marketplace så läggs nycklarna in i projektet.")
        }
        (Locale::En, Kind::Integration) => {
            format!("The app needs {name}. Install the integration from the Vercel Marketplace and its keys are added to the project.")
        }
        (Locale::Sv, Kind::Mcp) => format!("Anslut {name} som MCP-server så att AI:n kan använda den."),
        (Locale::En, Kind::Mcp) => format!("Connect {name} as an MCP server so the AI can use it."),
        (Locale::Sv, Kind::Connector) => {
            format!("{name} ansluts med Vercel Connect, som håller inloggningsuppgifterna åt projektet.")
        }
        (Locale::En, Kind::Connector) => {
            format!("{name} is connected through Vercel Connect, which holds the credentials for the project.")
        }
        (Locale::Sv, Kind::EnvVars) => {
            "Appen behöver de här miljövariablerna. Värdena sparas krypterat på servern och visas aldrig igen.".to_owned()
        }
        (Locale::En, Kind::EnvVars) => {
            "The app needs these environment variables. Values are stored encrypted on the server and never shown again.".to_owned()
        }
        (Locale::Sv, Kind::Secret) => format!(
            "Den genererade koden innehåller en {} i klartext. Spara den som känslig miljövariabel och läs den därifrån i koden.",
            secret_name(locale, name)
        ),
        (Locale::En, Kind::Secret) => format!(
            "The generated code contains a {} in plain text. Save it as a sensitive environment variable and read it from there.",
            secret_name(locale, name)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaks::SecretKind;

    #[test]
    fn every_kind_of_secret_has_its_names() {
        for kind in SecretKind::ALL {
            for (locale, fallback) in [(Locale::Sv, "nyckel"), (Locale::En, "key")] {
                assert_ne!(secret_name(locale, kind.id()), fallback, "{kind:?}");
            }
        }
        assert_eq!(secret_name(Locale::En, "secret-jwt"), "JWT");
        assert_eq!(secret_name(Locale::Sv, "secret-nope"), "nyckel");
    }
}
