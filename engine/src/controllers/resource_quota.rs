//! The resource quota controller (work in progress).

use crate::apiserver::Cluster;

pub fn reconcile(_c: &mut Cluster) -> bool {
    false
}
