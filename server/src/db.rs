//! The metadata database: embedded SQLite by default, Postgres via `DATABASE_URL`. One pool
//! through sqlx's `Any` driver, so every query is written once (`$n` placeholders, `ON
//! CONFLICT` upserts and `RETURNING` work in both).

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The database kind behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The pool and its kind.
#[derive(Debug, Clone)]
pub struct Db {
    /// Through sqlx's `Any` driver: queries use `$n` placeholders for both kinds.
    pub pool: AnyPool,
    /// Which database, for the few places that differ (migrations, pool size).
    pub kind: DbKind,
}

/// The data dir 0700 and the database file 0600, whatever created them and wherever the keys
/// come from. SQLite gives its `-wal` and `-shm` files the database file's mode; ones left by
/// an older run are tightened too.
fn private_files(data_dir: &Path, file: &Path) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    crate::secrets::private_dir(data_dir)?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Connects (creating the SQLite file when needed) and runs the migrations.
pub async fn connect(url: Option<&str>, data_dir: &Path) -> Result<Db, String> {
    sqlx::any::install_default_drivers();
    let url = match url {
        Some(url) => url.to_owned(),
        None => {
            let file = data_dir.join("sajtmaskin.db");
            private_files(data_dir, &file)?;
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    let kind = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        DbKind::Postgres
    } else if url.starts_with("sqlite:") {
        DbKind::Sqlite
    } else {
        return Err("DATABASE_URL must start with postgres:// or sqlite:".into());
    };
    let options = AnyConnectOptions::from_str(&url).map_err(|e| format!("DATABASE_URL: {e}"))?;
    let mut pool =
        AnyPoolOptions::new().max_connections(if kind == DbKind::Sqlite { 8 } else { 16 });
    if kind == DbKind::Sqlite {
        pool = pool.after_connect(|conn, _| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; busy_timeout makes concurrent writers
                // wait for the lock instead of failing; secure_delete zeroes the bytes of deleted
                // and overwritten rows, so a value replaced by its sealed form does not linger.
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                    .await
                    .map(|_| ())
            })
        });
    }
    let pool = pool
        .connect_with(options)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let migrator = match kind {
        DbKind::Sqlite => &SQLITE,
        DbKind::Postgres => &POSTGRES,
    };
    migrator
        .run(&pool)
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(Db { pool, kind })
}

/// Records a webhook delivery's event id (Vercel's, or v0's prefixed `v0:`): whether it is the
/// first time it is seen, so each event is handled once on any instance.
pub async fn first_delivery(pool: &AnyPool, id: &str, kind: &str) -> Result<bool, sqlx::Error> {
    // Ids older than the longest any sender retries are forgotten, so the table stays small.
    sqlx::query("DELETE FROM webhook_events WHERE received_at < $1")
        .bind(crate::clock::now_ms() - 30 * 24 * 3600 * 1000)
        .execute(pool)
        .await?;
    Ok(sqlx::query("INSERT INTO webhook_events (id, kind, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(kind)
        .bind(crate::clock::now_ms())
        .execute(pool)
        .await?
        .rows_affected()
        == 1)
}
