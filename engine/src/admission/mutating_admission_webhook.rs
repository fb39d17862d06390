//! MutatingAdmissionWebhook: calls the mutating webhooks whose rules, selectors and
//! matchConditions select the request, one after another.
//!
//! Follows `k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/plugin.go` and
//! `dispatcher.go`. kubefiddle has no webhook servers, so a selected webhook is never reached:
//! failurePolicy Fail (the default) rejects the request with
//! `Internal error occurred: failed calling webhook "<name>": failed to call webhook: Post ...`,
//! and Ignore lets it through unchanged, as a real cluster does with an unreachable webhook.
//! The shared matching and messages live in [`super::webhook`].

use super::webhook::{dispatch_serial, mutating_hooks};
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::status::ApiError;

pub struct MutatingAdmissionWebhook;

impl Plugin for MutatingAdmissionWebhook {
    fn name(&self) -> &'static str {
        "MutatingAdmissionWebhook"
    }

    fn handles(&self, _op: Operation) -> bool {
        // admission.NewHandler(Connect, Create, Delete, Update)
        true
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let hooks = mutating_hooks(c);
        if hooks.is_empty() {
            return Ok(());
        }
        let d = dispatch_serial(&hooks, a, c, self.name())?;
        super::webhook::note_failed_open(a, &d);
        Ok(())
    }
}
