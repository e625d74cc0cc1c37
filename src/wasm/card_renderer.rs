//! `CardRenderer`: a safe DOM renderer for hosts without a framework.
//!
//! Text goes only through `textContent`; links are `https:` URLs that pass the allow-list
//! again (the cards may have been changed in JS), open in a new tab with
//! `rel="noopener noreferrer"`. Buttons carry `data-card-id` / `data-action`; one delegated
//! click listener on the container calls `onAction(cardId, action)`, so re-rendering never
//! leaks listeners.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::JsCodedError;
use super::options as opt;
use super::read::{self, Fields};
use crate::json::{Object, ToJson};
use crate::links::AllowList;

#[wasm_bindgen(typescript_custom_section)]
const TS_RENDERER: &str = r#"
export interface CardRendererOptions {
  /** Called for button actions (everything but links): set_env_vars, connect_mcp, dismiss. */
  onAction?: (cardId: string, action: CardAction) => void;
  /** As for StreamSession; links are checked again before they are rendered. */
  allowedActionHosts?: string[];
}
"#;

/// The wire shape of a card, read back from JS (only what is rendered).
#[derive(Debug)]
struct Card {
    id: String,
    kind: String,
    title: String,
    description: String,
    status: Status,
    env_vars: Vec<EnvVar>,
    actions: Vec<Action>,
    verification: Option<Status>,
}

/// A card's status, or its verification (whose `status` is its code).
#[derive(Debug)]
struct Status {
    code: String,
    label: String,
}

#[derive(Debug)]
struct EnvVar {
    key: String,
    set: bool,
}

#[derive(Debug)]
struct Action {
    kind: String,
    label: String,
    url: Option<String>,
    env_keys: Option<Vec<String>>,
    preset: Option<String>,
}

/// What `onAction` receives: the action as the card had it (`url` and `envKeys` null when
/// absent, `preset` only when present).
impl ToJson for Action {
    fn write_json(&self, out: &mut String) {
        let mut action = Object::new(out);
        action
            .field("kind", &self.kind)
            .field("label", &self.label)
            .field("url", &self.url)
            .field("envKeys", &self.env_keys)
            .some("preset", &self.preset);
        action.end();
    }
}

const CARD: &str = "cards[]";

/// `IntegrationCard[]`, as far as it is rendered; `invalid_cards` names what is wrong.
fn cards_of(list: &JsValue) -> Result<Vec<Card>, JsCodedError> {
    const CODE: &str = "invalid_cards";
    let status =
        |card: &Fields<'_>, name: &str, code: &str| -> Result<Option<Status>, JsCodedError> {
            let Some(status) = card.object(name, "cards[].status")? else {
                return Ok(None);
            };
            Ok(Some(Status {
                code: status.required_string(code)?,
                label: status.required_string("label")?,
            }))
        };
    read::items(read::list(list, CODE, "cards")?, CODE, CARD, |card| {
        let env_vars = card.required_list("envVars")?;
        let actions = card.required_list("actions")?;
        Ok(Card {
            id: card.required_string("id")?,
            kind: card.required_string("kind")?,
            title: card.required_string("title")?,
            description: card.required_string("description")?,
            status: status(&card, "status", "code")?
                .ok_or_else(|| card.error("status", "an object"))?,
            env_vars: read::items(env_vars, CODE, "cards[].envVars[]", |var| {
                Ok(EnvVar {
                    key: var.required_string("key")?,
                    set: var.required_boolean("set")?,
                })
            })?,
            actions: read::items(actions, CODE, "cards[].actions[]", |action| {
                Ok(Action {
                    kind: action.required_string("kind")?,
                    label: action.required_string("label")?,
                    url: action.string("url")?,
                    env_keys: action.strings("envKeys")?,
                    preset: action.string("preset")?,
                })
            })?,
            verification: status(&card, "verification", "status")?,
        })
    })
}

/// Renders cards into a container element.
#[wasm_bindgen]
pub struct CardRenderer {
    container: web_sys::Element,
    allowed: AllowList,
    cards: Vec<Card>,
    on_click: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

#[wasm_bindgen]
impl CardRenderer {
    /// `new CardRenderer(container, { onAction?, allowedActionHosts? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        container: web_sys::Element,
        #[wasm_bindgen(unchecked_param_type = "CardRendererOptions | undefined")] options: JsValue,
    ) -> Result<CardRenderer, JsValue> {
        let options = Fields::options(options, "options")?;
        let on_action = match options.get("onAction") {
            None => None,
            Some(callback) => Some(
                callback
                    .dyn_into::<js_sys::Function>()
                    .map_err(|_| options.error("onAction", "a function"))?,
            ),
        };
        let allowed = opt::allow_list(options.strings("allowedActionHosts")?.as_deref())?;
        let mut renderer = CardRenderer {
            container,
            allowed,
            cards: Vec::new(),
            on_click: None,
        };
        if let Some(callback) = on_action {
            let closure =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    let Some(button) = event
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .and_then(|el| el.closest("button[data-action]").ok().flatten())
                    else {
                        return;
                    };
                    let card = button.get_attribute("data-card-id").unwrap_or_default();
                    let action = button.get_attribute("data-action-json").unwrap_or_default();
                    let action = js_sys::JSON::parse(&action).unwrap_or(JsValue::NULL);
                    let _ = callback.call2(&JsValue::NULL, &card.into(), &action);
                });
            renderer
                .container
                .add_event_listener_with_callback("click", closure.as_ref().unchecked_ref())?;
            renderer.on_click = Some(closure);
        }
        Ok(renderer)
    }

    /// Replaces the container's content with `cards`.
    pub fn render(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "IntegrationCard[]")] cards: JsValue,
    ) -> Result<(), JsValue> {
        self.cards = cards_of(&cards)?;
        let document = self.container.owner_document().ok_or_else(|| {
            JsCodedError::new("no_document", "the container is not in a document")
        })?;
        let list = document.create_element("div")?;
        list.set_class_name("sm-cards");
        for card in &self.cards {
            append(&list, &self.card(&document, card)?)?;
        }
        self.container.replace_children_with_node_1(&list);
        Ok(())
    }

    /// Removes the click listener.
    pub fn detach(&mut self) {
        if let Some(closure) = self.on_click.take() {
            let _ = self
                .container
                .remove_event_listener_with_callback("click", closure.as_ref().unchecked_ref());
        }
    }

    fn card(&self, document: &web_sys::Document, card: &Card) -> Result<web_sys::Element, JsValue> {
        let root = element(document, "article", "sm-card", None)?;
        root.set_attribute("data-card-id", &card.id)?;
        root.set_attribute("data-kind", &card.kind)?;
        root.set_attribute("data-status", &card.status.code)?;
        let head = element(document, "header", "sm-card-head", None)?;
        append(
            &head,
            &element(document, "h3", "sm-card-title", Some(&card.title))?,
        )?;
        append(
            &head,
            &element(document, "span", "sm-card-status", Some(&card.status.label))?,
        )?;
        if let Some(check) = &card.verification {
            let mark = element(document, "span", "sm-card-verification", Some(&check.label))?;
            mark.set_attribute("data-verification", &check.code)?;
            append(&head, &mark)?;
        }
        append(&root, &head)?;
        append(
            &root,
            &element(
                document,
                "p",
                "sm-card-description",
                Some(&card.description),
            )?,
        )?;
        if !card.env_vars.is_empty() {
            let list = element(document, "ul", "sm-card-env", None)?;
            for var in &card.env_vars {
                let item = element(
                    document,
                    "li",
                    if var.set {
                        "sm-env sm-env-set"
                    } else {
                        "sm-env"
                    },
                    None,
                )?;
                item.set_attribute("data-key", &var.key)?;
                item.set_attribute("data-set", if var.set { "true" } else { "false" })?;
                append(
                    &item,
                    &element(document, "code", "sm-env-key", Some(&var.key))?,
                )?;
                let mark = if var.set { "✓" } else { "—" };
                append(
                    &item,
                    &element(document, "span", "sm-env-mark", Some(mark))?,
                )?;
                append(&list, &item)?;
            }
            append(&root, &list)?;
        }
        let actions = element(document, "div", "sm-card-actions", None)?;
        for action in &card.actions {
            match &action.url {
                Some(url) => {
                    // Links only for URLs that pass the allow-list here too; anything else is dropped.
                    if !self.allowed.permits(url) {
                        continue;
                    }
                    let link = element(document, "a", "sm-action sm-link", Some(&action.label))?;
                    link.set_attribute("href", url)?;
                    link.set_attribute("target", "_blank")?;
                    link.set_attribute("rel", "noopener noreferrer")?;
                    link.set_attribute("data-action", &action.kind)?;
                    append(&actions, &link)?;
                }
                None => {
                    let button = element(document, "button", "sm-action", Some(&action.label))?;
                    button.set_attribute("type", "button")?;
                    button.set_attribute("data-action", &action.kind)?;
                    button.set_attribute("data-card-id", &card.id)?;
                    let json = action.to_json();
                    button.set_attribute("data-action-json", &json)?;
                    append(&actions, &button)?;
                }
            }
        }
        append(&root, &actions)?;
        Ok(root)
    }
}

/// Whether `url` may become an action link: `https:` on an allowed host, the rule
/// `CardRenderer` applies before it renders a link (`@sajtmaskin/integrations/react` uses it
/// for `<IntegrationCard>`). `allowedHosts` as in the renderer's options; throws
/// `invalid_options` for a pattern that is not a host name.
#[wasm_bindgen(js_name = isAllowedActionUrl)]
pub fn is_allowed_action_url(
    url: &str,
    #[wasm_bindgen(js_name = allowedHosts)] allowed_hosts: Option<Vec<String>>,
) -> Result<bool, JsValue> {
    Ok(opt::allow_list(allowed_hosts.as_deref())?.permits(url))
}

impl Drop for CardRenderer {
    fn drop(&mut self) {
        self.detach();
    }
}

fn append(parent: &web_sys::Element, child: &web_sys::Element) -> Result<(), JsValue> {
    parent.append_child(child).map(|_| ())
}

fn element(
    document: &web_sys::Document,
    tag: &str,
    class: &str,
    text: Option<&str>,
) -> Result<web_sys::Element, JsValue> {
    let el = document.create_element(tag)?;
    el.set_class_name(class);
    if let Some(text) = text {
        el.set_text_content(Some(text));
    }
    Ok(el)
}
