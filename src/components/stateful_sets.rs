//! The StatefulSets tab: each StatefulSet's replicas in ordinal order with the pod's status and
//! node, its claims (name, phase, volume) and its stable DNS name, then the records the cluster
//! DNS serves (A, SRV, CNAME, PTR). The data comes from `views::stateful_sets` (following
//! `pkg/controller/statefulset/stateful_set_utils.go` for names) and `dns::records` (the
//! Kubernetes DNS specification, as CoreDNS answers it).

use std::rc::Rc;

use kubefiddle_engine::dns::Record;
use kubefiddle_engine::views::{ReplicaView, StatefulSetView, StorageView};
use yew::prelude::*;

use super::pod_tone;
use super::storage_graph::{claim, phase_tone, record_tone};
use crate::units::ellipsize_middle;

#[derive(Properties, PartialEq)]
pub struct StatefulSetsProps {
    pub sets: Rc<Vec<StatefulSetView>>,
    pub storage: Rc<StorageView>,
    pub dns: Rc<Vec<Record>>,
}

#[function_component(StatefulSets)]
pub fn stateful_sets(props: &StatefulSetsProps) -> Html {
    html! {
        <div class="statefulsets">
            if props.sets.is_empty() {
                <p class="muted empty-tab">{ "No StatefulSet yet." }</p>
            }
            { for props.sets.iter().map(|s| set(s, &props.storage)) }
            { records(&props.dns) }
        </div>
    }
}

fn set(s: &StatefulSetView, storage: &StorageView) -> Html {
    let tone = if s.ready >= s.replicas { "ok" } else { "wait" };
    html! {
        <section class="ns-card sts-card" aria-label={format!("StatefulSet {}", s.name)}>
            <header>
                <h3><span class="muted">{ "statefulset " }</span><code>{ s.name.clone() }</code></h3>
                if s.namespace != "default" { <span class="ns">{ s.namespace.clone() }</span> }
                <span class={classes!("badge", tone)}>{ format!("{}/{} ready", s.ready, s.replicas) }</span>
                <span class="badge neutral" title="spec.podManagementPolicy">{ s.pod_management_policy.clone() }</span>
                if let Some(svc) = &s.service_name {
                    <span class="badge neutral" title="spec.serviceName: the governing Service">{ format!("service {svc}") }</span>
                }
            </header>
            if s.replica_list.is_empty() {
                <p class="muted">{ "No replicas." }</p>
            } else {
                <div class="table-scroll">
                    <table class="why-table sts-table">
                        <thead><tr>
                            <th>{ "Ordinal" }</th><th>{ "Pod" }</th><th>{ "Node" }</th>
                            <th>{ "Claims" }</th><th>{ "DNS name" }</th>
                        </tr></thead>
                        <tbody>{ for s.replica_list.iter().map(|r| replica(s, r, storage)) }</tbody>
                    </table>
                </div>
            }
        </section>
    }
}

fn replica(s: &StatefulSetView, r: &ReplicaView, storage: &StorageView) -> Html {
    let (status, node) = match &r.pod {
        Some(p) => (p.status.clone(), p.node.clone()),
        None => ("not created".to_string(), None),
    };
    let claims = r.claims.iter().map(|(name, phase)| {
        let volume = claim(storage, &s.namespace, name).and_then(|c| c.volume.clone());
        html! {
            <div class="sts-claim">
                <code>{ name.clone() }</code>
                <span class={classes!("badge", "sg-phase", phase_tone(phase))}>{ phase.clone() }</span>
                if let Some(v) = volume {
                    <span class="sts-volume muted" title={v.clone()}>{ "→ " }<code>{ ellipsize_middle(&v, 26) }</code></span>
                }
            </div>
        }
    });
    html! {
        <tr class="sts-replica">
            <td class="num">{ r.ordinal }</td>
            <th scope="row">
                <span class="sts-pod">{ r.name.clone() }</span>
                <span class={classes!("sts-status", if r.pod.is_some() { pod_tone(&status) } else { "gone" })}>{ status }</span>
            </th>
            <td class="mono">{ node.unwrap_or_else(|| "-".into()) }</td>
            <td>
                if r.claims.is_empty() { <span class="muted">{ "-" }</span> }
                { for claims }
            </td>
            <td class="sts-dns">{ r.dns_name.as_deref().map_or_else(|| html! { "-" }, dotted) }</td>
        </tr>
    }
}

fn records(records: &[Record]) -> Html {
    if records.is_empty() {
        return html! {};
    }
    html! {
        <section class="ns-card dns-card" aria-label="DNS records">
            <header>
                <h3>{ "DNS records" }</h3>
                <span class="muted">{ "what the cluster DNS answers (TTL 30 s)" }</span>
            </header>
            <div class="table-scroll">
                <table class="why-table dns-table">
                    <thead><tr><th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Data" }</th></tr></thead>
                    <tbody>
                        { for records.iter().map(|r| html! {
                            <tr class={classes!("dns-record", format!("rr-{}", r.type_.to_ascii_lowercase()))}>
                                <td class="mono">{ dotted(&r.name) }</td>
                                <td><span class={classes!("badge", "sg-phase", record_tone(&r.type_))}>{ r.type_.clone() }</span></td>
                                <td class="mono">{ r.data.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A DNS name that may wrap after its dots, never inside a label.
fn dotted(name: &str) -> Html {
    let labels: Vec<&str> = name.split_inclusive('.').collect();
    html! { for labels.into_iter().map(|l| html! { <>{ l.to_string() }<wbr/></> }) }
}
