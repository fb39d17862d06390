//! How DefaultStorageClass and DefaultIngressClass pick among the classes marked default: before
//! a given release several defaults are an error; since then the newest wins, ties broken by
//! name. Follows `pkg/volume/util/storageclass.go` (GetDefaultClass, kubernetes#110559) and
//! `plugin/pkg/admission/network/defaultingressclass/admission.go` (kubernetes#110974).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The name of the default class to use, `None` when there is none, or `Err(count)` when a
/// release older than `newest_since` finds several.
pub fn choose(
    mut defaults: Vec<&ObjectMeta>,
    minor: u32,
    newest_since: u32,
) -> Result<Option<String>, usize> {
    if defaults.len() > 1 && minor < newest_since {
        return Err(defaults.len());
    }
    // Newest first; equal creation times by name.
    defaults.sort_by(|x, y| {
        let time = |m: &ObjectMeta| m.creation_timestamp.as_ref().map(|t| t.0);
        time(y).cmp(&time(x)).then_with(|| x.name.cmp(&y.name))
    });
    Ok(defaults.first().and_then(|m| m.name.clone()))
}
