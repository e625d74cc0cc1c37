//! Card models: one card per (provider, kind) for the whole stream, rendered for the UI.
//!
//! The [`CardBook`] takes signals in arrival order. A signal it has already seen (same origin,
//! same content — a closing snapshot repeating a part) changes nothing; a new one updates the
//! card of its (provider, kind) or adds one. A card's status never moves backwards
//! ([`Status::rank`]); its env vars are the keys the stream named, then the catalog's.
//!
//! ```
//! use sajtmaskin_integrations::cards::{CardBook, CardOptions};
//! use sajtmaskin_integrations::signals::from_items;
//! use serde_json::json;
//!
//! let mut book = CardBook::new(CardOptions::default());
//! book.observe(from_items(&[json!({"provider": "neon", "status": "requested", "intent": "install"})]));
//! let cards = book.take_changed();
//! assert_eq!(cards[0].id, "integration:neon");
//! assert_eq!(cards[0].title, "Neon");
//! assert_eq!(cards[0].env_vars[0].key, "DATABASE_URL");
//! assert!(book.take_changed().is_empty()); // nothing new to report
//! ```

use std::borrow::Borrow;

use serde::Serialize;

use crate::catalog::{self, Kind};
use crate::i18n::{self, Locale};
use crate::json::{Object, ToJson};
use crate::links::AllowList;
use crate::signals::{Signal, SignalKey};
pub use crate::vocabulary::{ActionKind, Status, Verification};

/// How cards are rendered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardOptions {
    /// Language of titles, descriptions and labels.
    pub locale: Locale,
    /// Hosts action URLs may point to.
    pub allowed_hosts: AllowList,
}

/// A card's status with its localized label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardStatus {
    /// Never moves back to an earlier one ([`Status::rank`]).
    pub code: Status,
    /// In the session's locale.
    pub label: String,
}

/// One env var of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardEnvVar {
    /// As the stream or the catalog names it.
    pub key: String,
    /// Whether the project already has it (from `set_env_keys`).
    pub set: bool,
}

/// A button on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardAction {
    /// What the UI does when it is pressed.
    pub kind: ActionKind,
    /// In the session's locale.
    pub label: String,
    /// An allow-listed `https:` URL, for link actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The keys a `set_env_vars` action asks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_keys: Option<Vec<String>>,
    /// The MCP preset a `connect_mcp` action connects (`GET /api/mcp/presets`), when the
    /// provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
}

/// The card model of the JS contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationCard {
    /// Stable id: `<kind>:<provider>`.
    pub id: String,
    /// Canonical provider id or `custom:<slug>`.
    pub provider: String,
    /// What the card asks for: an integration, an MCP server, a connector or env vars.
    pub kind: Kind,
    /// In the session's locale.
    pub title: String,
    /// In the session's locale.
    pub description: String,
    /// Where the request stands.
    pub status: CardStatus,
    /// Stream-named keys, then the catalog's.
    pub env_vars: Vec<CardEnvVar>,
    /// Buttons, in display order.
    pub actions: Vec<CardAction>,
    /// The backend's last check of the card's keys (`set_checks`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<CardVerification>,
}

/// A credential check's outcome with its localized label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardVerification {
    /// What the check found.
    pub status: Verification,
    /// In the session's locale ("Verifierad", "Ogiltig nyckel", "Kan inte nås", …).
    pub label: String,
}

/// A credential check as the backend reports it (`BackendClient.verifyIntegration`,
/// `integrationChecks`); fields the book does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CheckRecord {
    /// The provider id the check was for, e.g. `neon`.
    pub provider: String,
    /// Its outcome.
    pub status: Verification,
}

/// What the book keeps per card.
#[derive(Debug, Clone)]
struct Card {
    provider: String,
    kind: Kind,
    name: String,
    status: Status,
    env_vars: Vec<String>,
    install_url: Option<String>,
    setup_url: Option<String>,
    /// Hidden while the status is still this one.
    dismissed_at: Option<Status>,
}

impl Card {
    fn id(&self) -> String {
        card_id(&self.provider, self.kind)
    }
    fn visible(&self) -> bool {
        self.dismissed_at != Some(self.status)
    }
}

/// The stable id of the card for `provider` and `kind`.
pub fn card_id(provider: &str, kind: Kind) -> String {
    format!("{}:{provider}", kind.as_str())
}

/// A map of the few entries a card book keeps by provider, card id or signal origin: a list,
/// searched in order. By hand: std's `HashMap` brought hashbrown and SipHash into the wasm module
/// (about 8 KB) for maps of a handful of entries, and a crate for a list of pairs would add a
/// dependency for twenty lines. A later insert of a key replaces its value, as in a map.
#[derive(Debug, Clone)]
struct Few<K, V>(Vec<(K, V)>);

impl<K, V> Default for Few<K, V> {
    fn default() -> Self {
        Few(Vec::new())
    }
}

impl<K: PartialEq, V> Few<K, V> {
    fn get<Q: PartialEq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.0
            .iter()
            .find(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    fn contains_key<Q: PartialEq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.get(key).is_some()
    }

    fn insert(&mut self, key: K, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl<K: PartialEq, V> FromIterator<(K, V)> for Few<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut few = Few::default();
        items.into_iter().for_each(|(k, v)| few.insert(k, v));
        few
    }
}

/// A set of the same kind.
type FewSet<K> = Few<K, ()>;

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub struct CardBook {
    options: CardOptions,
    cards: Vec<Card>,
    /// Every signal taken, by its origin, sorted by it (found by binary search; signals come in
    /// document order, so a new one is nearly always added at the end).
    seen: Vec<(SignalKey, Signal)>,
    /// The project's env keys (a project may have hundreds: kept as given, so setting them is
    /// linear; each lookup reads them once).
    env_keys: Vec<String>,
    chat_id: Option<String>,
    /// What was last reported of each card, by its index in `cards` (cards are only added).
    reported: Vec<Option<IntegrationCard>>,
    /// Installs the backend reports as done, by provider id: the keys each brought.
    installed: Few<String, Vec<String>>,
    /// Installs the backend reports as started but not done, by provider id.
    installing: FewSet<String>,
    /// Presets of the user's enabled MCP servers.
    mcp_connected: FewSet<String>,
    /// The last credential check per provider id.
    checks: Few<String, Verification>,
    /// Something a card's rendering depends on changed since `take_changed` last rendered;
    /// without it the session would render every card on every chunk.
    dirty: bool,
}

/// An install record as the backend reports it (`BackendClient.marketplaceRecords`); fields
/// the book does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallRecord {
    /// The catalog id of the integration, e.g. `neon`.
    pub integration_type: String,
    /// `pending`, `installed`, `removed` or `error`.
    pub status: String,
    /// The keys the install wrote (names only).
    #[serde(default)]
    pub env_vars: Vec<InstallKey>,
}

/// An MCP server as the backend reports it (`BackendClient.listMcpServers`); fields the book
/// does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct McpServerRecord {
    /// The preset it was made from (a catalog MCP id), if any.
    #[serde(default)]
    pub preset: Option<String>,
    /// Only enabled servers connect a card.
    pub enabled: bool,
}

/// One key of an [`InstallRecord`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct InstallKey {
    /// The env var's name on Vercel.
    pub key: String,
}

impl CardBook {
    /// An empty book.
    pub fn new(options: CardOptions) -> Self {
        CardBook {
            options,
            ..CardBook::default()
        }
    }

    /// Takes signals in arrival order.
    pub fn observe(&mut self, signals: Vec<Signal>) {
        for signal in signals {
            let key = signal.key();
            let at = self.seen.binary_search_by(|(seen, _)| seen.cmp(&key));
            if at.is_ok_and(|i| self.seen.get(i).is_some_and(|(_, seen)| *seen == signal)) {
                continue;
            }
            self.merge(&signal);
            match at {
                Ok(i) => {
                    if let Some((_, seen)) = self.seen.get_mut(i) {
                        *seen = signal;
                    }
                }
                Err(i) => self.seen.insert(i, (key, signal)),
            }
            self.dirty = true;
        }
    }

    fn merge(&mut self, signal: &Signal) {
        let index = match self
            .cards
            .iter()
            .position(|c| c.provider == signal.provider && c.kind == signal.kind)
        {
            Some(index) => index,
            None => {
                let name = catalog::by_id(&signal.provider, signal.kind)
                    .map_or_else(|| signal.name.clone(), |p| p.name.to_owned());
                self.cards.push(Card {
                    provider: signal.provider.clone(),
                    kind: signal.kind,
                    name,
                    status: signal.status,
                    env_vars: Vec::new(),
                    install_url: None,
                    setup_url: None,
                    dismissed_at: None,
                });
                self.cards.len() - 1
            }
        };
        let Some(card) = self.cards.get_mut(index) else {
            return;
        };
        if signal.status.rank() >= card.status.rank() || card.status == Status::Error {
            card.status = signal.status;
        }
        for key in &signal.env_vars {
            if !card.env_vars.contains(key) {
                card.env_vars.push(key.clone());
            }
        }
        if signal.install_url.is_some() {
            card.install_url.clone_from(&signal.install_url);
        }
        if signal.setup_url.is_some() {
            card.setup_url.clone_from(&signal.setup_url);
        }
    }

    /// The chat id, for the `open_chat` action.
    pub fn set_chat_id(&mut self, id: &str) {
        self.chat_id = Some(id.to_owned());
        self.dirty = true;
    }

    /// The env-var keys the project already has.
    pub fn set_env_keys<S: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = S>) {
        self.env_keys = keys.into_iter().map(|k| k.as_ref().to_owned()).collect();
        self.dirty = true;
    }

    /// The backend's install records: an integration card whose install is `installed` shows
    /// as connected with the install's keys set. Replaces the records given before; creates
    /// no card (a record says nothing of what this stream asked for).
    pub fn set_install_records(&mut self, records: &[InstallRecord]) {
        self.installing = records
            .iter()
            .filter(|r| r.status == "pending")
            .map(|r| (r.integration_type.clone(), ()))
            .collect();
        self.installed = records
            .iter()
            .filter(|r| r.status == "installed")
            .map(|r| {
                let keys = r.env_vars.iter().map(|k| k.key.clone()).collect();
                (r.integration_type.clone(), keys)
            })
            .collect();
        self.dirty = true;
    }

    /// The user's MCP servers: an MCP card whose preset has an enabled server shows as
    /// connected. Replaces the servers given before; creates no card.
    pub fn set_mcp_servers(&mut self, servers: &[McpServerRecord]) {
        self.mcp_connected = servers
            .iter()
            .filter(|s| s.enabled)
            .filter_map(|s| Some((s.preset.clone()?, ())))
            .collect();
        self.dirty = true;
    }

    /// The backend's credential checks: each provider's card shows its outcome. Replaces the
    /// checks given before (the backend forgets a project's checks when its keys change);
    /// creates no card.
    pub fn set_checks(&mut self, checks: &[CheckRecord]) {
        self.checks = checks
            .iter()
            .map(|c| (c.provider.clone(), c.status))
            .collect();
        self.dirty = true;
    }

    /// Whether the project has `key`, from the env keys or, for `provider`, its install
    /// (whose keys may carry a prefix, `cache_KV_URL` for `KV_URL`).
    fn key_set(&self, provider: &str, key: &str) -> bool {
        self.env_keys.iter().any(|k| k == key)
            || self.installed.get(provider).is_some_and(|keys| {
                keys.iter().any(|k| {
                    k == key
                        || k.strip_suffix(key)
                            .is_some_and(|prefix| prefix.ends_with('_'))
                })
            })
    }

    /// The status shown: an installed integration is connected, and a card whose every key is
    /// set is completed — unless the stream already reported something further along.
    fn shown_status(&self, card: &Card, keys: &[String]) -> Status {
        if card.status.rank() >= Status::Connected.rank() {
            return card.status;
        }
        if card.kind == Kind::Integration && self.installed.contains_key(&card.provider) {
            return Status::Connected;
        }
        if card.kind == Kind::Mcp && self.mcp_connected.contains_key(&card.provider) {
            return Status::Connected;
        }
        let asks_for_keys = matches!(card.kind, Kind::Integration | Kind::EnvVars | Kind::Secret);
        if asks_for_keys && !keys.is_empty() && keys.iter().all(|k| self.key_set(&card.provider, k))
        {
            return Status::Completed;
        }
        if card.kind == Kind::Integration && self.installing.contains_key(&card.provider) {
            return Status::Installing;
        }
        card.status
    }

    /// Hides a card until a later signal changes its status; false for an unknown id.
    pub fn dismiss(&mut self, id: &str) -> bool {
        match self.cards.iter_mut().find(|c| c.id() == id) {
            Some(card) => {
                card.dismissed_at = Some(card.status);
                self.dirty = true;
                true
            }
            None => false,
        }
    }

    /// The visible cards, in order of first appearance.
    pub fn cards(&self) -> Vec<IntegrationCard> {
        self.cards
            .iter()
            .filter(|c| c.visible())
            .map(|c| self.render(c))
            .collect()
    }

    /// The visible cards that are new or changed since the last call.
    pub fn take_changed(&mut self) -> Vec<IntegrationCard> {
        if !std::mem::take(&mut self.dirty) {
            return Vec::new();
        }
        let mut changed = Vec::new();
        // Taken out while the cards are rendered from the book.
        let mut reported = std::mem::take(&mut self.reported);
        reported.resize(self.cards.len(), None);
        for (card, last) in self.cards.iter().zip(&mut reported) {
            if !card.visible() {
                continue;
            }
            let card = self.render(card);
            if last.as_ref() != Some(&card) {
                *last = Some(card.clone());
                changed.push(card);
            }
        }
        self.reported = reported;
        changed
    }

    fn render(&self, card: &Card) -> IntegrationCard {
        let locale = self.options.locale;
        let entry = catalog::by_id(&card.provider, card.kind);
        let mut keys = card.env_vars.clone();
        for key in entry.map(|p| p.env_vars).unwrap_or_default() {
            if !keys.iter().any(|k| k == key) {
                keys.push((*key).to_owned());
            }
        }
        let status = self.shown_status(card, &keys);
        let finished = matches!(status, Status::Connected | Status::Completed);
        let allowed = |url: Option<&str>| {
            url.filter(|u| self.options.allowed_hosts.permits(u))
                .map(str::to_owned)
        };
        let action =
            |kind: ActionKind, url: Option<String>, env_keys: Option<Vec<String>>| CardAction {
                kind,
                label: i18n::action_label(locale, kind).to_owned(),
                url,
                env_keys,
                preset: None,
            };
        let mut actions = Vec::new();
        match card.kind {
            Kind::Integration if !finished => {
                // The stream's URL when it passes the allow-list, else the catalog's.
                let url = allowed(card.install_url.as_deref())
                    .or_else(|| allowed(entry.and_then(|p| p.url)));
                if let Some(url) = url {
                    actions.push(action(ActionKind::Install, Some(url), None));
                }
            }
            Kind::Connector if !finished => {
                if let Some(url) = allowed(card.setup_url.as_deref()) {
                    actions.push(action(ActionKind::OpenSetup, Some(url), None));
                }
            }
            Kind::Mcp if !finished => actions.push(CardAction {
                // Catalog MCP providers are the backend's presets; a custom server has none.
                preset: entry.map(|p| p.id.to_owned()),
                ..action(ActionKind::ConnectMcp, None, None)
            }),
            _ => {}
        }
        let takes_keys = matches!(card.kind, Kind::EnvVars | Kind::Integration | Kind::Secret);
        if !keys.is_empty() && takes_keys {
            actions.push(action(ActionKind::SetEnvVars, None, Some(keys.clone())));
        }
        let chat = self
            .chat_id
            .as_deref()
            .filter(|id| crate::wire::is_safe_id(id, crate::wire::MAX_UPSTREAM_ID_BYTES))
            .and_then(|id| allowed(Some(&format!("https://v0.app/chat/{id}"))));
        if card.kind == Kind::Integration && finished && chat.is_some() {
            actions.push(action(ActionKind::Resume, None, None));
        }
        if let Some(url) = chat {
            actions.push(action(ActionKind::OpenChat, Some(url), None));
        }
        // Keys can be checked once they are all set.
        let checkable = matches!(card.kind, Kind::Integration | Kind::EnvVars)
            && catalog::VERIFIABLE.contains(&card.provider.as_str())
            && !keys.is_empty()
            && keys.iter().all(|k| self.key_set(&card.provider, k));
        if checkable {
            actions.push(action(ActionKind::Verify, None, None));
        }
        actions.push(action(ActionKind::Dismiss, None, None));
        IntegrationCard {
            id: card.id(),
            provider: card.provider.clone(),
            kind: card.kind,
            title: i18n::title(locale, card.kind, &card.name),
            description: i18n::description(locale, card.kind, &card.name),
            status: CardStatus {
                code: status,
                label: i18n::status_label(locale, status).to_owned(),
            },
            env_vars: keys
                .into_iter()
                .map(|key| CardEnvVar {
                    set: self.key_set(&card.provider, &key),
                    key,
                })
                .collect(),
            actions,
            verification: self
                .checks
                .get(&card.provider)
                .map(|&status| CardVerification {
                    status,
                    label: i18n::verification_label(locale, status).to_owned(),
                }),
        }
    }
}

// The cards' JSON for JS, as their serde derives write it (`crate::json::ToJson`).
impl ToJson for IntegrationCard {
    fn write_json(&self, out: &mut String) {
        let mut card = Object::new(out);
        card.field("id", &self.id)
            .field("provider", &self.provider)
            .field("kind", self.kind.as_str())
            .field("title", &self.title)
            .field("description", &self.description)
            .field("status", &self.status)
            .field("envVars", &self.env_vars)
            .field("actions", &self.actions)
            .some("verification", &self.verification);
        card.end();
    }
}

impl ToJson for CardStatus {
    fn write_json(&self, out: &mut String) {
        let mut status = Object::new(out);
        status
            .field("code", self.code.as_str())
            .field("label", &self.label);
        status.end();
    }
}

impl ToJson for CardEnvVar {
    fn write_json(&self, out: &mut String) {
        let mut var = Object::new(out);
        var.field("key", &self.key).field("set", &self.set);
        var.end();
    }
}

impl ToJson for CardAction {
    fn write_json(&self, out: &mut String) {
        let mut action = Object::new(out);
        action
            .field("kind", self.kind.as_str())
            .field("label", &self.label)
            .some("url", &self.url)
            .some("envKeys", &self.env_keys)
            .some("preset", &self.preset);
        action.end();
    }
}

impl ToJson for CardVerification {
    fn write_json(&self, out: &mut String) {
        let mut check = Object::new(out);
        check
            .field("status", self.status.as_str())
            .field("label", &self.label);
        check.end();
    }
}

#[cfg(test)]
mod tests {
    use super::{Few, FewSet};

    #[test]
    fn few_is_a_map_whose_later_insert_replaces() {
        let mut few: Few<String, u8> = [
            ("a".to_owned(), 1),
            ("b".to_owned(), 2),
            ("a".to_owned(), 3),
        ]
        .into_iter()
        .collect();
        assert_eq!(few.0.len(), 2);
        assert_eq!(few.get("a"), Some(&3));
        assert_eq!(few.get("b"), Some(&2));
        assert_eq!(few.get("c"), None);
        few.insert("c".to_owned(), 4);
        few.insert("b".to_owned(), 5);
        assert_eq!(
            (few.get("b"), few.get("c"), few.0.len()),
            (Some(&5), Some(&4), 3)
        );
        let set: FewSet<String> = ["x", "y", "x"]
            .map(|k| (k.to_owned(), ()))
            .into_iter()
            .collect();
        assert!(set.contains_key("x") && set.contains_key("y") && !set.contains_key("z"));
        assert_eq!(set.0.len(), 2);
    }
}
