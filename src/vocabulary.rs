//! The card model's vocabulary: where a card stands ([`Status`]) and what it offers
//! ([`ActionKind`]). Signals, texts and cards all speak it, so it has a file of its own that
//! each of them imports (and none of them imports another for it). `cards` re-exports both.

use serde::Serialize;

/// Where a card stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Status {
    /// The AI asked for it.
    #[serde(rename = "requested")]
    Requested,
    /// A Vercel Connect setup waits for the user.
    #[serde(rename = "setup-required")]
    SetupRequired,
    /// The user started the Marketplace install; the backend has not seen its keys yet
    /// (from an install record, never from the stream).
    #[serde(rename = "installing")]
    Installing,
    /// Installed / connected (proxy status).
    #[serde(rename = "connected")]
    Connected,
    /// Vercel Connect finished.
    #[serde(rename = "completed")]
    Completed,
    /// Setup failed.
    #[serde(rename = "error")]
    Error,
}

impl Status {
    /// Every status, for exhaustive checks.
    pub const ALL: [Status; 6] = [
        Status::Requested,
        Status::SetupRequired,
        Status::Installing,
        Status::Connected,
        Status::Completed,
        Status::Error,
    ];

    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::SetupRequired => "setup-required",
            Status::Installing => "installing",
            Status::Connected => "connected",
            Status::Completed => "completed",
            Status::Error => "error",
        }
    }

    /// A status word from a stream; unknown words (`disconnected`, `deploying`, …) are not
    /// signals.
    pub fn parse(word: &str) -> Option<Status> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "requested" | "pending" | "request" => Status::Requested,
            "setup-required" | "setup_required" | "needs-setup" => Status::SetupRequired,
            "connected" | "installed" | "ready" => Status::Connected,
            "completed" | "complete" => Status::Completed,
            "error" | "failed" => Status::Error,
            _ => return None,
        })
    }

    /// Progress order; a card's status never moves back to an earlier one (an error may be
    /// followed by anything).
    pub fn rank(self) -> u8 {
        match self {
            Status::Requested | Status::Error => 0,
            Status::SetupRequired | Status::Installing => 1,
            Status::Connected | Status::Completed => 2,
        }
    }
}

/// Card actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Install from the Vercel Marketplace.
    Install,
    /// Open the Vercel Connect setup.
    OpenSetup,
    /// Set the card's env vars.
    SetEnvVars,
    /// Connect the MCP preset.
    ConnectMcp,
    /// Open the v0 chat.
    OpenChat,
    /// Resume the generation that waited on the integration (it is connected now).
    Resume,
    /// Check that the card's keys work (the backend's credential check).
    Verify,
    /// Hide the card.
    Dismiss,
}

impl ActionKind {
    /// Every action, for exhaustive checks.
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Install,
        ActionKind::OpenSetup,
        ActionKind::SetEnvVars,
        ActionKind::ConnectMcp,
        ActionKind::OpenChat,
        ActionKind::Resume,
        ActionKind::Verify,
        ActionKind::Dismiss,
    ];

    /// The contract's name (what it serializes as).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Install => "install",
            ActionKind::OpenSetup => "open_setup",
            ActionKind::SetEnvVars => "set_env_vars",
            ActionKind::ConnectMcp => "connect_mcp",
            ActionKind::OpenChat => "open_chat",
            ActionKind::Resume => "resume",
            ActionKind::Verify => "verify",
            ActionKind::Dismiss => "dismiss",
        }
    }
}

/// The outcome of the backend's last credential check of a provider's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    /// A read-only request with the keys succeeded.
    Verified,
    /// The service refused them.
    Invalid,
    /// No answer, or a refused address.
    Unreachable,
    /// No check for them (or they cannot be read back).
    Unsupported,
}

impl Verification {
    /// The contract's name read back (`verified`, …); `None` for anything else.
    pub fn parse(word: &str) -> Option<Verification> {
        Verification::ALL.into_iter().find(|v| v.as_str() == word)
    }

    /// The contract's name (what it serializes as).
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Invalid => "invalid",
            Verification::Unreachable => "unreachable",
            Verification::Unsupported => "unsupported",
        }
    }

    /// Every outcome, for exhaustive checks.
    pub const ALL: [Verification; 4] = [
        Verification::Verified,
        Verification::Invalid,
        Verification::Unreachable,
        Verification::Unsupported,
    ];
}
