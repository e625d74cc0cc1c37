//! Prints the cards a stream file yields: `cargo run --example cards -- FILE.sse [en]`.
use sajtmaskin_integrations::cards::CardOptions;
use sajtmaskin_integrations::i18n::Locale;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: cards FILE.sse [sv|en]");
        std::process::exit(2);
    };
    let locale = args
        .next()
        .and_then(|l| Locale::parse(&l))
        .unwrap_or_default();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let options = SessionOptions {
        cards: CardOptions {
            locale,
            ..CardOptions::default()
        },
        ..SessionOptions::default()
    };
    let mut session = StreamSession::new(options);
    session.feed(&bytes);
    session.finish();
    println!(
        "{}",
        serde_json::to_string_pretty(&session.cards()).unwrap_or_default()
    );
}
