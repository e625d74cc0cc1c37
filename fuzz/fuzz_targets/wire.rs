//! The shared wire types on arbitrary JSON: no panic while decoding or validating, and what
//! validates holds only ids and keys of the documented shapes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::wire::{
    is_env_key, is_env_var_id, CreateEnvVars, DeleteEnvVars, UpdateEnvVars,
};

fuzz_target!(|bytes: &[u8]| {
    if let Ok(create) = serde_json::from_slice::<CreateEnvVars>(bytes) {
        if create.validate().is_ok() {
            assert!(create.vars.iter().all(|v| is_env_key(&v.key)));
        }
    }
    if let Ok(update) = serde_json::from_slice::<UpdateEnvVars>(bytes) {
        if update.validate().is_ok() {
            assert!(update.vars.iter().all(|v| is_env_var_id(&v.id)));
        }
    }
    if let Ok(delete) = serde_json::from_slice::<DeleteEnvVars>(bytes) {
        if delete.validate().is_ok() {
            assert!(delete.ids.iter().flatten().all(|id| is_env_var_id(id)));
            assert!(delete.keys.iter().flatten().all(|k| is_env_key(k)));
        }
    }
});
