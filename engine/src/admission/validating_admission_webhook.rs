//! ValidatingAdmissionWebhook: calls, in parallel, the validating webhooks whose rules,
//! selectors and matchConditions select the request.
//!
//! Follows `k8s.io/apiserver/pkg/admission/plugin/webhook/validating/plugin.go` and
//! `dispatcher.go`. kubefiddle has no webhook servers, so a selected webhook is never reached:
//! failurePolicy Fail (the default) rejects the request with
//! `Internal error occurred: failed calling webhook "<name>": failed to call webhook: Post ...`,
//! and Ignore admits it, as a real cluster does with an unreachable webhook. The shared
//! matching and messages live in [`super::webhook`].

use super::webhook::{dispatch_parallel, validating_hooks};
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::status::ApiError;

pub struct ValidatingAdmissionWebhook;

impl Plugin for ValidatingAdmissionWebhook {
    fn name(&self) -> &'static str {
        "ValidatingAdmissionWebhook"
    }

    fn handles(&self, _op: Operation) -> bool {
        // admission.NewHandler(Connect, Create, Delete, Update)
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let hooks = validating_hooks(c);
        if hooks.is_empty() {
            return Ok(());
        }
        let d = dispatch_parallel(&hooks, a, c, self.name())?;
        super::webhook::note_failed_open(a, &d);
        Ok(())
    }
}
